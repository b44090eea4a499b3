//! An update written down as a list of operations, by running it once on a [`Real`] that records what is done
//! to it ([`Traced`]): the batch engine turns the list into instructions after the gradient's, so that one pass
//! of compiled code computes a vector's gradient and its update with the very operations (and roundings) the
//! update takes on `f64` in a single run and on lanes in the general epoch.
//!
//! Every number the update makes from its settings and the update's count (learning rate, bias corrections,
//! betas) is a parameter: its value is recorded apart from the list, so that every update with the same list
//! runs the same compiled code with new values. Comparisons are masks (values: all ones where they hold) that
//! `select` reads, so a lane takes the side its own values choose, as in the general epoch; `all(mask)` is
//! false in a trace, so the recorded code is the one a vector of mixed lanes takes (which gives every lane what
//! the shortcut would). Gradient noise cannot be recorded: its trace says [`UpdateTrace::supported`] is false,
//! and it keeps the general epoch.

use std::cell::RefCell;
use std::ops::{Add, Div, Mul, Neg, Sub};

use super::{OptimizerSpec, Real, Shared, State, Step, TrainingLoop, Update, WithUpdate};

/// One recorded operation; operands are indices of earlier operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceOp {
    /// An input: 0 and 1 the position, 2 and 3 the gradient (as the lanes' tests see it), 4 to 9 the state
    /// (`State::s` in order), 10 to 12 the Hessian's xx, xy and yy (of the objective, for methods that need
    /// it).
    Input(u8),
    /// Parameter `k` of [`UpdateTrace::params`].
    Param(u16),
    Add(u32, u32),
    Sub(u32, u32),
    Mul(u32, u32),
    Div(u32, u32),
    /// `0 - a`, as lanes negate.
    Neg(u32),
    Sqrt(u32),
    Abs(u32),
    /// The larger (as `f64::max`).
    Max(u32, u32),
    /// Masks: all ones where `a > b` (`a >= b`), else zero.
    Gt(u32, u32),
    Ge(u32, u32),
    /// `Select(m, a, b)`: `a` where the mask `m` holds, else `b`.
    Select(u32, u32, u32),
    /// `SkipIfAll(m, n)`: the next `n` operations are read only where the mask `m` does not hold (by selects of
    /// `m`), so code may skip them for a vector whose lanes all hold it. Its value is nothing.
    SkipIfAll(u32, u32),
}

impl TraceOp {
    /// The operations it reads.
    pub fn operands(self) -> impl Iterator<Item = u32> {
        let (a, b, c) = match self {
            TraceOp::Input(_) | TraceOp::Param(_) => (None, None, None),
            TraceOp::Add(a, b)
            | TraceOp::Sub(a, b)
            | TraceOp::Mul(a, b)
            | TraceOp::Div(a, b)
            | TraceOp::Max(a, b)
            | TraceOp::Gt(a, b)
            | TraceOp::Ge(a, b) => (Some(a), Some(b), None),
            TraceOp::Neg(a) | TraceOp::Sqrt(a) | TraceOp::Abs(a) | TraceOp::SkipIfAll(a, _) => (Some(a), None, None),
            TraceOp::Select(m, a, b) => (Some(m), Some(a), Some(b)),
        };
        a.into_iter().chain(b).chain(c)
    }

    /// The operation with each operand `i` read as `f(i)`.
    fn renumbered(self, f: impl Fn(u32) -> u32) -> TraceOp {
        match self {
            TraceOp::Input(_) | TraceOp::Param(_) => self,
            TraceOp::Add(a, b) => TraceOp::Add(f(a), f(b)),
            TraceOp::Sub(a, b) => TraceOp::Sub(f(a), f(b)),
            TraceOp::Mul(a, b) => TraceOp::Mul(f(a), f(b)),
            TraceOp::Div(a, b) => TraceOp::Div(f(a), f(b)),
            TraceOp::Max(a, b) => TraceOp::Max(f(a), f(b)),
            TraceOp::Gt(a, b) => TraceOp::Gt(f(a), f(b)),
            TraceOp::Ge(a, b) => TraceOp::Ge(f(a), f(b)),
            TraceOp::Neg(a) => TraceOp::Neg(f(a)),
            TraceOp::Sqrt(a) => TraceOp::Sqrt(f(a)),
            TraceOp::Abs(a) => TraceOp::Abs(f(a)),
            TraceOp::SkipIfAll(a, n) => TraceOp::SkipIfAll(f(a), n),
            TraceOp::Select(m, a, b) => TraceOp::Select(f(m), f(a), f(b)),
        }
    }
}

/// Inputs before the state: x, y, gx, gy.
pub const STATE_INPUT: u8 = 4;
/// The first of the Hessian's inputs, after the state.
pub const HESSIAN_INPUT: u8 = 10;
/// How many inputs an update has.
pub const INPUTS: usize = 13;

/// An update as operations: the same `ops` and `outputs` for two updates means the same code.
#[derive(Clone, Debug, PartialEq)]
pub struct UpdateTrace {
    pub ops: Vec<TraceOp>,
    /// The new x and y, then the new state (`State::s` in order).
    pub outputs: [u32; 8],
    /// The parameters' values for this update.
    pub params: Vec<f64>,
    /// False where the update compared or chose between lanes' values (see the module's note).
    pub supported: bool,
}

impl UpdateTrace {
    /// Whether `other` runs the same code (its parameters may differ).
    pub fn same_code(&self, other: &UpdateTrace) -> bool {
        self.ops == other.ops && self.outputs == other.outputs
    }

    /// The update on numbers: its eight outputs from its inputs (x, y, gx, gy, the state and the Hessian), with
    /// the operations of lanes (negation as `0 - a`).
    pub fn evaluate(&self, inputs: &[f64; INPUTS]) -> [f64; 8] {
        let mut v: Vec<f64> = Vec::with_capacity(self.ops.len());
        for op in &self.ops {
            let a = |i: u32| v[i as usize];
            v.push(match *op {
                TraceOp::Input(k) => inputs[k as usize],
                TraceOp::Param(k) => self.params[k as usize],
                TraceOp::Add(p, q) => a(p) + a(q),
                TraceOp::Sub(p, q) => a(p) - a(q),
                TraceOp::Mul(p, q) => a(p) * a(q),
                TraceOp::Div(p, q) => a(p) / a(q),
                TraceOp::Neg(p) => 0.0 - a(p),
                TraceOp::Sqrt(p) => a(p).sqrt(),
                TraceOp::Abs(p) => a(p).abs(),
                TraceOp::Max(p, q) => a(p).max(a(q)),
                TraceOp::Gt(p, q) => mask(a(p) > a(q)),
                TraceOp::Ge(p, q) => mask(a(p) >= a(q)),
                TraceOp::Select(m, p, q) => {
                    if a(m).to_bits() != 0 {
                        a(p)
                    } else {
                        a(q)
                    }
                }
                TraceOp::SkipIfAll(..) => 0.0,
            });
        }
        self.outputs.map(|o| v[o as usize])
    }
}

/// A mask as a number: all ones where it holds.
fn mask(holds: bool) -> f64 {
    f64::from_bits(if holds { u64::MAX } else { 0 })
}

thread_local! {
    static TRACE: RefCell<Option<UpdateTrace>> = const { RefCell::new(None) };
}

fn record(op: TraceOp) -> Traced {
    TRACE.with(|t| {
        let mut t = t.borrow_mut();
        let t = t.as_mut().expect("a trace is being recorded");
        t.ops.push(op);
        Traced(t.ops.len() as u32 - 1)
    })
}

fn unsupported() {
    TRACE.with(|t| {
        if let Some(t) = t.borrow_mut().as_mut() {
            t.supported = false;
        }
    });
}

/// A value of a traced update: the index of the operation that makes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Traced(u32);

macro_rules! binary {
    ($trait:ident, $f:ident, $op:ident) => {
        impl $trait for Traced {
            type Output = Traced;
            fn $f(self, o: Traced) -> Traced {
                record(TraceOp::$op(self.0, o.0))
            }
        }
    };
}
binary!(Add, add, Add);
binary!(Sub, sub, Sub);
binary!(Mul, mul, Mul);
binary!(Div, div, Div);

impl Neg for Traced {
    type Output = Traced;
    fn neg(self) -> Traced {
        record(TraceOp::Neg(self.0))
    }
}

impl Real for Traced {
    type Mask = Traced;
    fn splat(v: f64) -> Traced {
        let k = TRACE.with(|t| {
            let mut t = t.borrow_mut();
            let t = t.as_mut().expect("a trace is being recorded");
            t.params.push(v);
            t.params.len() - 1
        });
        record(TraceOp::Param(k as u16))
    }
    fn sqrt(self) -> Traced {
        record(TraceOp::Sqrt(self.0))
    }
    fn abs(self) -> Traced {
        record(TraceOp::Abs(self.0))
    }
    fn max(self, o: Traced) -> Traced {
        record(TraceOp::Max(self.0, o.0))
    }
    fn gt(self, o: Traced) -> Traced {
        record(TraceOp::Gt(self.0, o.0))
    }
    fn ge(self, o: Traced) -> Traced {
        record(TraceOp::Ge(self.0, o.0))
    }
    fn select(m: Traced, a: Traced, b: Traced) -> Traced {
        record(TraceOp::Select(m.0, a.0, b.0))
    }
    /// False: the code recorded is the one for lanes that differ (see the module's note). It marks where the
    /// work for lanes where `m` does not hold begins ([`TraceOp::SkipIfAll`]).
    fn all(m: Traced) -> bool {
        record(TraceOp::SkipIfAll(m.0, 0));
        false
    }
}

/// What one update of a batch sees besides its lanes: the same for every lane.
#[derive(Clone, Copy, Debug)]
pub struct TraceContext {
    pub learning_rate: f64,
    /// The update's number, from 1.
    pub step: u64,
    pub shared: Shared,
    pub training: TrainingLoop,
    pub ascent: bool,
}

/// A trace's context, and whether its method reads the Hessian.
struct Tracer(TraceContext, bool);

impl WithUpdate<Traced> for Tracer {
    type Output = [Traced; 8];
    fn with<U: Update>(self, update: U) -> [Traced; 8] {
        let c = self.0;
        let input = |k: u8| record(TraceOp::Input(k));
        let (x, y, gx, gy) = (input(0), input(1), input(2), input(3));
        let mut state = State {
            s: std::array::from_fn(|i| std::array::from_fn(|j| input(STATE_INPUT + (2 * i + j) as u8))),
        };
        // The lanes' tests see the gradient of the objective (negated for ascent); the update sees it after
        // the training loop's noise and clipping.
        let signed = |g: Traced| if c.ascent { -g } else { g };
        let (gx, gy) = (signed(gx), signed(gy));
        if c.training.noise.is_some() {
            unsupported();
        }
        let gradient = c.training.gradient([gx, gy], None);
        let hessian = self.1.then(|| {
            let [xx, xy, yy] = [0, 1, 2].map(|k| signed(input(HESSIAN_INPUT + k)));
            [[xx, xy], [xy, yy]]
        });
        let [nx, ny] = update.step(
            &mut state,
            &Step {
                position: [x, y],
                gradient,
                hessian,
                learning_rate: c.learning_rate,
                step: c.step,
                shared: c.shared,
            },
        );
        let [[a, b], [cc, d], [e, f]] = state.s;
        [nx, ny, a, b, cc, d, e, f]
    }
}

/// Records `spec`'s update in `context`.
pub fn trace(spec: &OptimizerSpec, context: TraceContext) -> UpdateTrace {
    TRACE.with(|t| {
        *t.borrow_mut() = Some(UpdateTrace {
            ops: Vec::new(),
            outputs: [0; 8],
            params: Vec::new(),
            supported: true,
        })
    });
    let outputs = spec.dispatch(Tracer(context, spec.needs_hessian()));
    let mut t = TRACE.with(|t| t.borrow_mut().take()).expect("recorded");
    t.outputs = outputs.map(|o| o.0);
    gather_skippable(&mut t);
    t
}

/// Moves the operations after a `SkipIfAll(m)` mark that the outputs need only through the unselected side of
/// selects by `m` (Newton's saddle-free fallback) right after the mark, and records their count in it; the
/// others follow. Where one of those operations reads one of the others, the mark skips nothing.
fn gather_skippable(t: &mut UpdateTrace) {
    let Some(at) = t.ops.iter().position(|op| matches!(op, TraceOp::SkipIfAll(..))) else {
        return;
    };
    let TraceOp::SkipIfAll(m, _) = t.ops[at] else {
        unreachable!("found above")
    };
    let n = t.ops.len();
    let mut needed = vec![false; n];
    let mut stack: Vec<u32> = t.outputs.to_vec();
    while let Some(i) = stack.pop() {
        let i = i as usize;
        if std::mem::replace(&mut needed[i], true) {
            continue;
        }
        match t.ops[i] {
            TraceOp::Select(mask, a, _) if mask == m && i > at => stack.extend([mask, a]),
            op => stack.extend(op.operands()),
        }
    }
    let (skippable, rest): (Vec<usize>, Vec<usize>) = (at + 1..n).partition(|&i| !needed[i]);
    let reads_rest = |i: &usize| t.ops[*i].operands().any(|s| s as usize > at && needed[s as usize]);
    if skippable.is_empty() || skippable.iter().any(reads_rest) {
        return;
    }
    let order: Vec<usize> = (0..=at).chain(skippable.iter().copied()).chain(rest).collect();
    let mut index = vec![0u32; n];
    for (k, &i) in order.iter().enumerate() {
        index[i] = k as u32;
    }
    t.ops = order
        .iter()
        .map(|&i| t.ops[i].renumbered(|s| index[s as usize]))
        .collect();
    t.ops[at] = TraceOp::SkipIfAll(m, skippable.len() as u32);
    t.outputs = t.outputs.map(|o| index[o as usize]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{Method, Options};

    fn context(step: u64) -> TraceContext {
        TraceContext {
            learning_rate: 0.1,
            step,
            shared: Shared::default(),
            training: TrainingLoop::default(),
            ascent: false,
        }
    }

    /// A traced update, run on numbers, takes the steps of the update itself, bit for bit, for every method
    /// (and AMSGrad, and gradient clipping), with Hessians that are positive definite and that are not, and
    /// gradients that make each comparison go both ways.
    #[test]
    fn traced_updates_compute_what_the_updates_compute() {
        let mut cases: Vec<(OptimizerSpec, TrainingLoop)> = Method::ALL
            .iter()
            .map(|&(method, _)| {
                (
                    OptimizerSpec::new(method, &Options::default()).unwrap(),
                    TrainingLoop::default(),
                )
            })
            .filter(|(spec, _)| !spec.is_line_search())
            .collect();
        let amsgrad = Options {
            amsgrad: true,
            ..Options::default()
        };
        cases.push((
            OptimizerSpec::new(Method::Adam, &amsgrad).unwrap(),
            TrainingLoop::default(),
        ));
        let clipped = TrainingLoop {
            clip_grad_norm: Some(1.0),
            ..TrainingLoop::default()
        };
        cases.push((OptimizerSpec::new(Method::Adam, &Options::default()).unwrap(), clipped));
        for (spec, training) in cases {
            let mut state = spec.state::<f64>();
            let mut shared = Shared::default();
            for step in 1..=8u64 {
                spec.advance(&mut shared, step, 0.1);
                let c = TraceContext {
                    shared,
                    training,
                    ..context(step)
                };
                let t = trace(&spec, c);
                assert!(t.supported, "{spec:?}");
                // Gradients that change sign and size from step to step (Rprop's and Lion's comparisons), and
                // Hessians positive definite on odd steps, indefinite and singular on even ones (Newton's
                // fallback and its step cap).
                let sign = if step % 3 == 0 { -1.0 } else { 1.0 };
                let (p, g) = (
                    [0.3 + step as f64, -1.7],
                    [sign * 2.5 / step as f64, -0.25 * step as f64],
                );
                let h = match step % 4 {
                    1 | 3 => [[2.0, 0.5], [0.5, 3.0]],
                    2 => [[1.0, 2.0], [2.0, -1.0]],
                    _ => [[1.0, 1.0], [1.0, 1.0]],
                };
                let s = state.s;
                let inputs = [
                    p[0], p[1], g[0], g[1], s[0][0], s[0][1], s[1][0], s[1][1], s[2][0], s[2][1], h[0][0], h[0][1],
                    h[1][1],
                ];
                let want = spec.step(
                    &mut state,
                    &Step {
                        position: p,
                        gradient: training.gradient(g, None),
                        hessian: Some(h),
                        learning_rate: 0.1,
                        step,
                        shared,
                    },
                );
                let got = t.evaluate(&inputs);
                let s = state.s;
                let want = [want[0], want[1], s[0][0], s[0][1], s[1][0], s[1][1], s[2][0], s[2][1]];
                for (k, (a, b)) in got.iter().zip(want).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "{spec:?} step {step} output {k}: {a} vs {b}");
                }
            }
        }
    }

    /// Newton's saddle-free fallback (eigenvalues, eigenvectors, the capped step) is gathered after its mark, so
    /// machine code can skip it for vectors whose lanes all pass the root-free test; the plain step and the
    /// selects are not.
    #[test]
    fn newtons_fallback_is_gathered_behind_its_mark() {
        let spec = OptimizerSpec::new(Method::Newton, &Options::default()).unwrap();
        let t = trace(&spec, context(1));
        let (at, count) = t
            .ops
            .iter()
            .enumerate()
            .find_map(|(i, op)| match op {
                TraceOp::SkipIfAll(_, n) => Some((i, *n as usize)),
                _ => None,
            })
            .expect("a mark");
        let region = &t.ops[at + 1..at + 1 + count];
        let divisions = |ops: &[TraceOp]| ops.iter().filter(|op| matches!(op, TraceOp::Div(..))).count();
        let roots = |ops: &[TraceOp]| ops.iter().filter(|op| matches!(op, TraceOp::Sqrt(..))).count();
        // The fallback: 1 / |v|², each projection / |lambda|, max_step / len, and the roots of the eigenvalues and
        // of the step's length; the plain step's 1 / det before the mark, and no root.
        assert_eq!((divisions(region), roots(region)), (4, 2), "{region:?}");
        assert_eq!((divisions(&t.ops[..at]), roots(&t.ops[..at])), (1, 0));
        let selects = t.ops[at + 1 + count..]
            .iter()
            .filter(|op| matches!(op, TraceOp::Select(..)))
            .count();
        assert_eq!(
            selects, 2,
            "the two picks between the plain and the fallback step follow"
        );
    }

    /// Every method's operations settle after its first updates (momentum's first sets its buffer, RAdam's first
    /// few take no adaptive step): the batch's fused epochs take the code of their table's last epochs for every
    /// epoch past it.
    #[test]
    fn every_methods_operations_settle_after_its_first_updates() {
        for (method, _) in Method::ALL {
            let spec = OptimizerSpec::new(method, &Options::default()).unwrap();
            if spec.is_line_search() {
                continue;
            }
            let settled = trace(&spec, context(60));
            for step in [61, 1000, 1 << 16, 1 << 20, 1 << 30, 1 << 40] {
                assert!(
                    trace(&spec, context(step)).same_code(&settled),
                    "{method:?} at update {step}"
                );
            }
        }
    }

    /// Momentum's first update sets the buffer to the gradient, the later ones average: two codes, and the
    /// later updates share one.
    #[test]
    fn updates_with_the_same_operations_share_their_code() {
        let spec = OptimizerSpec::new(Method::Momentum, &Options::default()).unwrap();
        let (one, two, three) = (
            trace(&spec, context(1)),
            trace(&spec, context(2)),
            trace(&spec, context(3)),
        );
        assert!(!one.same_code(&two));
        assert!(two.same_code(&three));
        let adam = OptimizerSpec::new(Method::Adam, &Options::default()).unwrap();
        let (a, b) = (trace(&adam, context(1)), trace(&adam, context(2)));
        assert!(
            a.same_code(&b) && a.params != b.params,
            "bias corrections are parameters"
        );
    }
}
