//! Methods that choose their own step length by evaluating the function along a direction: gradient descent
//! with a backtracking (Armijo) line search, BFGS, nonlinear conjugate gradient (Fletcher-Reeves and
//! Polak-Ribiere+) and L-BFGS with PyTorch's semantics.
//!
//! They need f and its gradient at points of their choosing, so they step through [`step`] with an evaluation
//! callback rather than through [`super::Update`]; they run in `f64` on one start at a time (a batch runs its
//! starts side by side on the cores, `batch::run_batch`).
//!
//! The strong Wolfe line search is PyTorch's (`torch/optim/lbfgs.py`, `_strong_wolfe`, itself a port of
//! minFunc's and torch7's `lswolfe`): the same trials, the same cubic interpolation, the same safeguards and
//! the same limit of 25 evaluations, so L-BFGS follows `torch.optim.LBFGS` step for step and BFGS and CG take
//! its line search too. The learning rate is each method's first trial step (PyTorch's `lr` for L-BFGS).

// The tests are written `!(a < b)` where a NaN must fail them (a trial where f is not a number is too high; a
// direction whose slope is not a number is no descent direction).
#![allow(clippy::neg_cmp_op_on_partial_ord)]

use std::collections::VecDeque;

use super::OptimizerSpec;

/// A point with the value and gradient of the objective being minimised there.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Probe {
    /// The point.
    pub x: [f64; 2],
    /// The objective there.
    pub f: f64,
    /// Its gradient there.
    pub g: [f64; 2],
}

/// What one update of a line-search method did.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Searched {
    /// The position after the update.
    pub at: [f64; 2],
    /// f and the gradient there, when the method evaluated them (L-BFGS without a line search moves last
    /// without evaluating, as PyTorch's does).
    pub probe: Option<Probe>,
    /// The method met its own stopping test and will not move again from here, whatever the rate: the
    /// gradient is zero or not a descent direction (BFGS, CG), or L-BFGS's tolerances ([`TOLERANCE_GRAD`],
    /// the directional derivative above `-`[`TOLERANCE_CHANGE`]) hold.
    pub stopped: bool,
}

/// Most evaluations of one line search (PyTorch's `max_ls`).
pub const MAX_LINE_SEARCH: u32 = 25;

/// Most halvings of a backtracking line search: after them the trial step is `lr * 2^-60`.
pub const MAX_BACKTRACKS: u32 = 60;

/// L-BFGS's default tolerances, PyTorch's: a step ends its inner iterations where the largest gradient
/// component is at most `tolerance_grad`, or the step, the directional derivative or the change of f is below
/// `tolerance_change`. (The line search's own bracket test takes PyTorch's fixed 1e-9.)
pub const TOLERANCE_GRAD: f64 = 1e-7;
/// See [`TOLERANCE_GRAD`].
pub const TOLERANCE_CHANGE: f64 = 1e-9;

/// A line-search method's memory between updates.
#[derive(Clone, Debug, Default)]
pub struct SearchState {
    /// Updates so far (L-BFGS: inner iterations so far, PyTorch's `n_iter`).
    iterations: u64,
    /// BFGS's inverse Hessian approximation (the identity before the first update).
    inverse: Option<[[f64; 2]; 2]>,
    /// The previous direction (CG, L-BFGS).
    direction: [f64; 2],
    /// The previous step length (CG, L-BFGS).
    t: f64,
    /// The previous gradient (CG, L-BFGS).
    previous_gradient: [f64; 2],
    /// The previous directional derivative times the step (CG's first trial step).
    previous_slope: f64,
    /// L-BFGS's history: (y, s, 1 / y·s), oldest first.
    history: VecDeque<([f64; 2], [f64; 2], f64)>,
    /// L-BFGS's scale of the initial inverse Hessian.
    h_diag: f64,
    /// L-BFGS's f before the last inner iteration.
    previous_loss: f64,
    /// L-BFGS's two-loop coefficients (kept to reuse the allocation).
    al: Vec<f64>,
}

fn dot(a: [f64; 2], b: [f64; 2]) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// `x + t * d` as PyTorch's `add_(d, alpha=t)` rounds it: one fused multiply-add per coordinate.
fn along(x: [f64; 2], t: f64, d: [f64; 2]) -> [f64; 2] {
    [t.mul_add(d[0], x[0]), t.mul_add(d[1], x[1])]
}

fn max_abs(v: [f64; 2]) -> f64 {
    v[0].abs().max(v[1].abs())
}

/// The first trial step of a method's first update: `lr` scaled down where the gradient is large
/// (PyTorch's L-BFGS: `min(1, 1 / |g|_1) * lr`).
fn first_trial(g: [f64; 2], lr: f64) -> f64 {
    (1.0 / (g[0].abs() + g[1].abs())).min(1.0) * lr
}

/// One update of a line-search method from `here`, evaluating the objective with `eval`.
pub(crate) fn step(
    spec: &OptimizerSpec,
    state: &mut SearchState,
    here: Probe,
    lr: f64,
    eval: &mut dyn FnMut([f64; 2]) -> (f64, [f64; 2]),
) -> Searched {
    let mut probe = |x: [f64; 2]| {
        let (f, g) = eval(x);
        Probe { x, f, g }
    };
    match *spec {
        OptimizerSpec::GdArmijo { c1, rho } => armijo(here, lr, c1, rho, &mut probe),
        OptimizerSpec::Bfgs { c1, c2 } => bfgs(state, here, lr, c1, c2, &mut probe),
        OptimizerSpec::Cg { polak_ribiere, c1, c2 } => cg(state, here, lr, polak_ribiere, c1, c2, &mut probe),
        OptimizerSpec::Lbfgs {
            history_size,
            max_iter,
            max_eval,
            strong_wolfe,
            tolerance_grad,
            tolerance_change,
        } => {
            let limits = Lbfgs {
                history_size,
                max_iter,
                max_eval,
                strong_wolfe,
                tolerance_grad,
                tolerance_change,
            };
            lbfgs(state, here, lr, &limits, &mut probe)
        }
        // Only the methods above are line searches (`is_line_search`); any other stays where it is.
        _ => stay(here),
    }
}

fn stay(here: Probe) -> Searched {
    Searched {
        at: here.x,
        probe: Some(here),
        stopped: false,
    }
}

fn stopped(here: Probe) -> Searched {
    Searched {
        stopped: true,
        ..stay(here)
    }
}

fn moved(p: Probe) -> Searched {
    Searched {
        at: p.x,
        probe: Some(p),
        stopped: false,
    }
}

/// Steepest descent with backtracking: the step `lr`, halved (times `rho`) until f falls by at least
/// `c1 * t * |g|^2` (Armijo's condition; Nocedal and Wright, algorithm 3.1). Where no step of the
/// [`MAX_BACKTRACKS`] tried decreases f enough, the position stays.
fn armijo(here: Probe, lr: f64, c1: f64, rho: f64, probe: &mut dyn FnMut([f64; 2]) -> Probe) -> Searched {
    let d = [-here.g[0], -here.g[1]];
    let slope = dot(here.g, d);
    if !(slope < 0.0) {
        return stay(here);
    }
    let mut t = lr;
    for _ in 0..MAX_BACKTRACKS {
        let trial = probe(along(here.x, t, d));
        if trial.f <= here.f + c1 * t * slope && trial.g[0].is_finite() && trial.g[1].is_finite() {
            return moved(trial);
        }
        t *= rho;
    }
    stay(here)
}

/// BFGS (Nocedal and Wright, algorithm 6.1): the direction `-H g`, the strong Wolfe line search from the
/// step `lr` (scaled by [`first_trial`] at the first update), then the inverse-Hessian update, skipped where
/// `y·s <= 1e-10` (it would not stay positive definite). A direction that is not one of descent (rounding)
/// restarts from the identity.
fn bfgs(
    state: &mut SearchState,
    here: Probe,
    lr: f64,
    c1: f64,
    c2: f64,
    probe: &mut dyn FnMut([f64; 2]) -> Probe,
) -> Searched {
    const IDENTITY: [[f64; 2]; 2] = [[1.0, 0.0], [0.0, 1.0]];
    let g = here.g;
    let mut h = state.inverse.unwrap_or(IDENTITY);
    let mut d = [-(h[0][0] * g[0] + h[0][1] * g[1]), -(h[1][0] * g[0] + h[1][1] * g[1])];
    if !(dot(g, d) < 0.0) {
        h = IDENTITY;
        d = [-g[0], -g[1]];
    }
    let gtd = dot(g, d);
    if !(gtd < 0.0) {
        return stopped(here);
    }
    let t0 = if state.iterations == 0 { first_trial(g, lr) } else { lr };
    state.iterations += 1;
    let (next, t) = strong_wolfe(here, t0, d, gtd, c1, c2, MAX_LINE_SEARCH, probe);
    let s = [t * d[0], t * d[1]];
    let y = [next.g[0] - g[0], next.g[1] - g[1]];
    let ys = dot(y, s);
    if ys > 1e-10 {
        // H+ = (I - rho s y') H (I - rho y s') + rho s s'
        let rho = 1.0 / ys;
        let a = [
            [1.0 - rho * s[0] * y[0], -rho * s[0] * y[1]],
            [-rho * s[1] * y[0], 1.0 - rho * s[1] * y[1]],
        ];
        let ah = mat_mul(a, h);
        let at = [[a[0][0], a[1][0]], [a[0][1], a[1][1]]];
        let mut n = mat_mul(ah, at);
        for (i, row) in n.iter_mut().enumerate() {
            for (j, v) in row.iter_mut().enumerate() {
                *v += rho * s[i] * s[j];
            }
        }
        h = n;
    }
    state.inverse = Some(h);
    Searched {
        // No point of the line found below f here: the next update would search the same line again.
        stopped: t == 0.0,
        ..moved(next)
    }
}

fn mat_mul(a: [[f64; 2]; 2], b: [[f64; 2]; 2]) -> [[f64; 2]; 2] {
    let e = |i: usize, j: usize| a[i][0] * b[0][j] + a[i][1] * b[1][j];
    [[e(0, 0), e(0, 1)], [e(1, 0), e(1, 1)]]
}

/// Nonlinear conjugate gradient (Nocedal and Wright, algorithm 5.4 and (5.44)): `d = -g + beta d_prev` with
/// Fletcher-Reeves' `beta = |g|^2 / |g_prev|^2` or Polak-Ribiere+'s `max(0, g·(g - g_prev) / |g_prev|^2)`,
/// restarting with `-g` where that is not a descent direction; the strong Wolfe line search from the step
/// `lr` at the first update (scaled by [`first_trial`]), then from N&W's (3.60), the previous step times the
/// previous directional derivative over this one.
fn cg(
    state: &mut SearchState,
    here: Probe,
    lr: f64,
    polak_ribiere: bool,
    c1: f64,
    c2: f64,
    probe: &mut dyn FnMut([f64; 2]) -> Probe,
) -> Searched {
    let g = here.g;
    let mut d = [-g[0], -g[1]];
    if state.iterations > 0 {
        let p = state.previous_gradient;
        let pp = dot(p, p);
        let beta = if polak_ribiere {
            (dot(g, [g[0] - p[0], g[1] - p[1]]) / pp).max(0.0)
        } else {
            dot(g, g) / pp
        };
        if beta.is_finite() {
            d = [
                beta.mul_add(state.direction[0], d[0]),
                beta.mul_add(state.direction[1], d[1]),
            ];
        }
        if !(dot(g, d) < 0.0) {
            d = [-g[0], -g[1]];
        }
    }
    let gtd = dot(g, d);
    if !(gtd < 0.0) {
        return stopped(here);
    }
    let t0 = if state.iterations == 0 {
        first_trial(g, lr)
    } else {
        let guess = state.previous_slope / gtd;
        if guess.is_finite() && guess > 0.0 {
            guess
        } else {
            lr
        }
    };
    state.iterations += 1;
    let (next, t) = strong_wolfe(here, t0, d, gtd, c1, c2, MAX_LINE_SEARCH, probe);
    state.previous_gradient = g;
    state.direction = d;
    state.previous_slope = t * gtd;
    moved(next)
}

/// One `torch.optim.LBFGS.step()`: up to `max_iter` inner iterations (and about `max_eval` evaluations), each
/// the two-loop recursion over the last `history_size` pairs, then a fixed step `lr` (the first scaled by
/// [`first_trial`]) or the strong Wolfe line search from it. The same order of operations and the same
/// tests as PyTorch's, on a tensor of two numbers.
struct Lbfgs {
    history_size: usize,
    max_iter: u32,
    max_eval: u32,
    strong_wolfe: bool,
    tolerance_grad: f64,
    tolerance_change: f64,
}

fn lbfgs(
    state: &mut SearchState,
    here: Probe,
    lr: f64,
    limits: &Lbfgs,
    probe: &mut dyn FnMut([f64; 2]) -> Probe,
) -> Searched {
    let &Lbfgs {
        history_size,
        max_iter,
        max_eval,
        strong_wolfe: strong_wolfe_search,
        tolerance_grad,
        tolerance_change,
    } = limits;
    if max_abs(here.g) <= tolerance_grad {
        return stopped(here);
    }
    let (mut x, mut loss, mut g) = (here.x, here.f, here.g);
    let mut known = true;
    let mut evaluations = 1;
    let mut inner = 0;
    let mut flat = false;
    while inner < max_iter {
        inner += 1;
        state.iterations += 1;
        let mut d;
        if state.iterations == 1 {
            d = [-g[0], -g[1]];
            state.history.clear();
            state.h_diag = 1.0;
        } else {
            let y = [g[0] - state.previous_gradient[0], g[1] - state.previous_gradient[1]];
            let s = [state.direction[0] * state.t, state.direction[1] * state.t];
            let ys = dot(y, s);
            if ys > 1e-10 {
                if state.history.len() == history_size {
                    state.history.pop_front();
                }
                state.history.push_back((y, s, 1.0 / ys));
                state.h_diag = ys / dot(y, y);
            }
            let mut q = [-g[0], -g[1]];
            let mut al = std::mem::take(&mut state.al);
            al.resize(state.history.len(), 0.0);
            for (i, &(y, s, ro)) in state.history.iter().enumerate().rev() {
                al[i] = dot(s, q) * ro;
                q = along(q, -al[i], y);
            }
            d = [q[0] * state.h_diag, q[1] * state.h_diag];
            for (i, &(y, s, ro)) in state.history.iter().enumerate() {
                let be = dot(y, d) * ro;
                d = along(d, al[i] - be, s);
            }
            state.al = al;
        }
        state.previous_gradient = g;
        state.previous_loss = loss;
        let mut t = if state.iterations == 1 { first_trial(g, lr) } else { lr };
        let gtd = dot(g, d);
        state.direction = d;
        if gtd > -tolerance_change {
            state.t = t;
            flat = true;
            break;
        }
        let at_tolerance;
        if strong_wolfe_search {
            let start = Probe { x, f: loss, g };
            let max_ls = max_eval.saturating_sub(evaluations);
            let mut counted = |p: [f64; 2]| {
                evaluations += 1;
                probe(p)
            };
            let (next, step) = strong_wolfe(start, t, d, gtd, 1e-4, 0.9, max_ls, &mut counted);
            t = step;
            x = along(x, t, d);
            (loss, g) = (next.f, next.g);
            known = true;
            at_tolerance = max_abs(g) <= tolerance_grad;
        } else {
            x = along(x, t, d);
            known = false;
            at_tolerance = if inner != max_iter {
                let p = probe(x);
                evaluations += 1;
                (loss, g) = (p.f, p.g);
                known = true;
                max_abs(g) <= tolerance_grad
            } else {
                false
            };
        }
        state.t = t;
        if inner == max_iter
            || evaluations >= max_eval
            || at_tolerance
            || max_abs([d[0] * t, d[1] * t]) <= tolerance_change
            || (loss - state.previous_loss).abs() < tolerance_change
        {
            break;
        }
    }
    Searched {
        at: x,
        probe: known.then_some(Probe { x, f: loss, g }),
        // Where the direction is flat PyTorch's next step recomputes the same direction (no new pair enters the
        // history) and stops there again.
        stopped: flat,
    }
}

/// A trial point of the line search: its step, f, gradient and directional derivative.
#[derive(Clone, Copy)]
struct Trial {
    t: f64,
    p: Probe,
    gtd: f64,
}

/// The strong Wolfe line search along `d` from `start` (whose directional derivative is `gtd < 0`), first
/// trying the step `t`: PyTorch's `_strong_wolfe` (bracketing with cubic extrapolation, then zooming with
/// cubic interpolation and a safeguard), at most `max_ls` evaluations after the first ([`MAX_LINE_SEARCH`]
/// but in L-BFGS, whose line search takes what its `max_eval` leaves, as PyTorch's). Returns the accepted
/// point and its step (the lowest point found when the limit is reached first; the start, step 0, when none
/// is lower).
#[allow(clippy::too_many_arguments)]
fn strong_wolfe(
    start: Probe,
    mut t: f64,
    d: [f64; 2],
    gtd: f64,
    c1: f64,
    c2: f64,
    max_ls: u32,
    probe: &mut dyn FnMut([f64; 2]) -> Probe,
) -> (Probe, f64) {
    let d_norm = max_abs(d);
    let mut trial = |t: f64| {
        let p = probe(along(start.x, t, d));
        Trial { t, p, gtd: dot(p.g, d) }
    };
    // f above the Armijo line (or not a number).
    let too_high = |tr: &Trial| !(tr.p.f <= start.f + c1 * tr.t * gtd);
    let flat = |tr: &Trial| tr.gtd.abs() <= -c2 * gtd;
    let mut new = trial(t);
    let mut prev = Trial { t: 0.0, p: start, gtd };
    let mut iterations = 0;
    let mut bracket: [Trial; 2];
    let mut done = false;
    loop {
        if iterations == max_ls {
            bracket = [Trial { t: 0.0, p: start, gtd }, new];
            break;
        }
        if too_high(&new) || (iterations > 1 && !(new.p.f < prev.p.f)) {
            bracket = [prev, new];
            break;
        }
        if flat(&new) {
            bracket = [new, new];
            done = true;
            break;
        }
        if new.gtd >= 0.0 {
            bracket = [prev, new];
            break;
        }
        let (lo, hi) = (new.t + 0.01 * (new.t - prev.t), new.t * 10.0);
        let next_t = cubic(prev.t, prev.p.f, prev.gtd, new.t, new.p.f, new.gtd, Some((lo, hi)));
        prev = new;
        new = trial(next_t);
        iterations += 1;
    }
    let mut low = lower_end(&bracket);
    let mut insufficient = false;
    while !done && iterations < max_ls {
        let (a, b) = (bracket[0], bracket[1]);
        if (b.t - a.t).abs() * d_norm < TOLERANCE_CHANGE {
            break;
        }
        t = cubic(a.t, a.p.f, a.gtd, b.t, b.p.f, b.gtd, None);
        let (top, bottom) = (a.t.max(b.t), a.t.min(b.t));
        let margin = 0.1 * (top - bottom);
        if (top - t).min(t - bottom) < margin {
            if insufficient || t >= top || t <= bottom {
                t = if (t - top).abs() < (t - bottom).abs() {
                    top - margin
                } else {
                    bottom + margin
                };
                insufficient = false;
            } else {
                insufficient = true;
            }
        } else {
            insufficient = false;
        }
        let new = trial(t);
        iterations += 1;
        let high = 1 - low;
        if too_high(&new) || !(new.p.f < bracket[low].p.f) {
            bracket[high] = new;
            low = lower_end(&bracket);
        } else {
            if flat(&new) {
                done = true;
            } else if new.gtd * (bracket[high].t - bracket[low].t) >= 0.0 {
                bracket[high] = bracket[low];
            }
            bracket[low] = new;
        }
    }
    (bracket[low].p, bracket[low].t)
}

/// The bracket's end with the lower f, the first on a tie; an end whose f is not a number counts as above every
/// other, so that a trial past the function's domain (`ln` of a negative number) is never the one accepted.
fn lower_end(bracket: &[Trial; 2]) -> usize {
    let (a, b) = (bracket[0].p.f, bracket[1].p.f);
    if a <= b || b.is_nan() {
        0
    } else {
        1
    }
}

/// The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to `bounds`
/// (by default the interval between the points); the middle of the bounds where the cubic has no minimum.
fn cubic(x1: f64, f1: f64, g1: f64, x2: f64, f2: f64, g2: f64, bounds: Option<(f64, f64)>) -> f64 {
    let (lo, hi) = bounds.unwrap_or(if x1 <= x2 { (x1, x2) } else { (x2, x1) });
    let d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2);
    let d2_square = d1 * d1 - g1 * g2;
    if d2_square >= 0.0 {
        let d2 = d2_square.sqrt();
        let at = if x1 <= x2 {
            x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        } else {
            x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        };
        at.max(lo).min(hi)
    } else {
        (lo + hi) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// On lines where the first trial is far too short, far too long or about right, the accepted step meets
    /// both strong Wolfe conditions (checked here from f and its derivative, not from the search's own tests).
    /// With the usual c1 = 1e-4 only: PyTorch's zoom keeps the bracket's ends ordered by f, so with a large c1
    /// (0.3 on `(a - 2)^4 - a` from 30) the lowest point found, short of the sufficient decrease, can come back.
    #[test]
    fn the_line_search_accepts_a_point_meeting_the_strong_wolfe_conditions() {
        type Line = fn(f64) -> (f64, f64);
        let lines: [(&str, Line); 3] = [
            ("(a - 3)^2", |a| ((a - 3.0).powi(2), 2.0 * (a - 3.0))),
            ("(a - 2)^4 - a", |a| {
                ((a - 2.0).powi(4) - a, 4.0 * (a - 2.0).powi(3) - 1.0)
            }),
            ("ln(1 + e^(5 - a)) + 0.1 a^2", |a| {
                let e = (5.0 - a).exp();
                ((1.0 + e).ln() + 0.1 * a * a, -e / (1.0 + e) + 0.2 * a)
            }),
        ];
        for (name, line) in lines {
            for first in [1e-3, 0.5, 1.0, 30.0] {
                for (c1, c2) in [(1e-4, 0.9), (1e-4, 0.5), (1e-4, 0.1)] {
                    // f(x, y) = line(x): the search runs along d = (1, 0) from the origin.
                    let mut probe = |p: [f64; 2]| {
                        let (f, g) = line(p[0]);
                        Probe { x: p, f, g: [g, 0.0] }
                    };
                    let start = probe([0.0, 0.0]);
                    let gtd = start.g[0];
                    assert!(gtd < 0.0, "{name}");
                    let (end, t) = strong_wolfe(start, first, [1.0, 0.0], gtd, c1, c2, MAX_LINE_SEARCH, &mut probe);
                    let (f, slope) = line(t);
                    assert_eq!((end.f, end.x), (f, [t, 0.0]), "{name}");
                    let case = format!("{name} from {first}, c1 {c1}, c2 {c2}: step {t}, f {f}, slope {slope}");
                    assert!(f <= start.f + c1 * t * gtd, "sufficient decrease fails: {case}");
                    assert!(slope.abs() <= -c2 * gtd, "curvature fails: {case}");
                }
            }
        }
    }

    /// The cubic through two points of a cubic with their slopes is that cubic: its minimiser is exact.
    #[test]
    fn the_interpolation_finds_a_cubic_s_minimum() {
        // f(a) = a^3 - 3a: minimum at 1.
        let f = |a: f64| (a * a * a - 3.0 * a, 3.0 * a * a - 3.0);
        let ((f1, g1), (f2, g2)) = (f(0.0), f(3.0));
        assert!((cubic(0.0, f1, g1, 3.0, f2, g2, None) - 1.0).abs() < 1e-14);
        assert!((cubic(3.0, f2, g2, 0.0, f1, g1, None) - 1.0).abs() < 1e-14);
        // Clamped to the bounds given; the middle where the cubic has no minimum.
        assert_eq!(cubic(0.0, f1, g1, 3.0, f2, g2, Some((2.0, 3.0))), 2.0);
        // f(0) = 0, f(1) = 2/3, both slopes 1: the cubic rises throughout.
        assert_eq!(cubic(0.0, 0.0, 1.0, 1.0, 2.0 / 3.0, 1.0, None), 0.5);
    }
}
