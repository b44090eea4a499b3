//! First steps of every optimizer against values computed by hand on f = x^2 + 3y^2 from (1, 1), where the
//! gradient is (2x, 6y) and the Hessian diag(2, 6).

use super::*;
use approx::assert_abs_diff_eq;

fn gradient(p: [f64; 2]) -> [f64; 2] {
    [2.0 * p[0], 6.0 * p[1]]
}

/// Runs `n` updates from (1, 1) and returns every position.
fn steps(spec: OptimizerSpec, lr: f64, n: u64) -> Vec<[f64; 2]> {
    let mut state = spec.state::<f64>();
    let mut shared = Shared::default();
    let mut p = [1.0, 1.0];
    let mut out = Vec::new();
    for step in 1..=n {
        spec.advance(&mut shared, step, lr);
        let hessian = spec.needs_hessian().then_some([[2.0, 0.0], [0.0, 6.0]]);
        p = spec.step(
            &mut state,
            &Step {
                position: p,
                gradient: gradient(p),
                hessian,
                learning_rate: lr,
                step,
                shared,
            },
        );
        out.push(p);
    }
    out
}

fn spec(method: Method, o: Options) -> OptimizerSpec {
    OptimizerSpec::new(method, &o).unwrap()
}

fn close(a: [f64; 2], b: [f64; 2]) {
    assert_abs_diff_eq!(a[0], b[0], epsilon = 1e-12);
    assert_abs_diff_eq!(a[1], b[1], epsilon = 1e-12);
}

#[test]
fn gradient_descent() {
    close(steps(OptimizerSpec::gd(), 0.1, 1)[0], [0.8, 0.4]);
}

#[test]
fn heavy_ball_momentum() {
    // b1 = g0 = (2, 6); p1 = (0.8, 0.4); g1 = (1.6, 2.4); b2 = 0.9 b1 + g1 = (3.4, 7.8); p2 = p1 - 0.1 b2.
    let s = steps(spec(Method::Momentum, Options::default()), 0.1, 2);
    close(s[0], [0.8, 0.4]);
    close(s[1], [0.46, -0.38]);
}

#[test]
fn nesterov_momentum() {
    // d = g + 0.9 b = (2, 6) + 0.9 (2, 6) = (3.8, 11.4)
    close(
        steps(spec(Method::Nesterov, Options::default()), 0.1, 1)[0],
        [0.62, -0.14],
    );
}

#[test]
fn adagrad() {
    // sum = g^2; step = lr g / |g| = 0.1 in each coordinate.
    let s = steps(spec(Method::Adagrad, Options::default()), 0.1, 2);
    let eps = 1e-10;
    close(s[0], [1.0 - 0.1 * 2.0 / (2.0 + eps), 1.0 - 0.1 * 6.0 / (6.0 + eps)]);
    // g1 = 2 * 0.9, 6 * 0.9 (to rounding); sum = (4 + g1x^2, 36 + g1y^2)
    let p = s[0];
    let g1 = [2.0 * p[0], 6.0 * p[1]];
    close(
        s[1],
        [
            p[0] - 0.1 * g1[0] / ((4.0 + g1[0] * g1[0]).sqrt() + eps),
            p[1] - 0.1 * g1[1] / ((36.0 + g1[1] * g1[1]).sqrt() + eps),
        ],
    );
}

#[test]
fn rmsprop() {
    // v = 0.01 g^2, sqrt(v) = 0.1 |g|, step = lr * 10 = 0.1
    let eps = 1e-8;
    let expect = [1.0 - 0.01 * 2.0 / (0.2 + eps), 1.0 - 0.01 * 6.0 / (0.6 + eps)];
    close(steps(spec(Method::Rmsprop, Options::default()), 0.01, 1)[0], expect);
}

#[test]
fn adam_first_step_is_lr_times_sign() {
    // m/bias1 = g, sqrt(v/bias2) = |g|: the step is lr * g / (|g| + eps).
    let eps = 1e-8;
    let step = |g: f64| 0.1 * g / (g + eps);
    close(
        steps(spec(Method::Adam, Options::default()), 0.1, 1)[0],
        [1.0 - step(2.0), 1.0 - step(6.0)],
    );
    // AdamW shrinks first: p * (1 - 0.1 * 0.01), then the same step.
    close(
        steps(spec(Method::Adamw, Options::default()), 0.1, 1)[0],
        [0.999 - step(2.0), 0.999 - step(6.0)],
    );
}

#[test]
fn adam_second_step() {
    // Independent arithmetic of PyTorch's update for step 2.
    let (b1, b2, lr, eps) = (0.9f64, 0.999f64, 0.1, 1e-8);
    let g0 = [2.0, 6.0];
    let p1 = [0.9, 0.9];
    let g1 = gradient(p1);
    let mut expect = [0.0; 2];
    for i in 0..2 {
        let m = b1 * (1.0 - b1) * g0[i] + (1.0 - b1) * g1[i];
        let v = b2 * (1.0 - b2) * g0[i] * g0[i] + (1.0 - b2) * g1[i] * g1[i];
        let mhat = m / (1.0 - b1 * b1);
        let vhat = v / (1.0 - b2 * b2);
        expect[i] = p1[i] - lr * mhat / (vhat.sqrt() + eps);
    }
    let got = steps(spec(Method::Adam, Options::default()), lr, 2)[1];
    assert_abs_diff_eq!(got[0], expect[0], epsilon = 1e-9);
    assert_abs_diff_eq!(got[1], expect[1], epsilon = 1e-9);
}

#[test]
fn newton_solves_a_quadratic_in_one_step() {
    close(steps(spec(Method::Newton, Options::default()), 1.0, 1)[0], [0.0, 0.0]);
}

#[test]
fn newton_goes_downhill_at_a_saddle() {
    // f = x^2 - y^2 at (1, 1): g = (2, -2), |H| = diag(2, 2): step (1, -1).
    let newton = spec(Method::Newton, Options::default());
    let p = newton.step(
        &mut newton.state(),
        &Step {
            position: [1.0, 1.0],
            gradient: [2.0, -2.0],
            hessian: Some([[2.0, 0.0], [0.0, -2.0]]),
            learning_rate: 0.5,
            step: 1,
            shared: Shared::default(),
        },
    );
    close(p, [0.5, 1.5]);
}

/// Newton's step against the method as its documentation states it, computed apart: the unit eigenvectors and
/// eigenvalues of `linalg::symmetric_eigen`, the plain step `H^-1 g` where the smaller eigenvalue is above the
/// floor, else `Q |Λ|floored^-1 Q^T g` capped at `max_step`. Hessians positive definite (well and badly
/// conditioned, rotated, near the floor), indefinite, negative definite, singular, zero and multiples of the
/// identity, from 1e-300 to 1e150 (1e-160: the square of an eigenvector that size is subnormal; past 1e154 the
/// square of a - d overflows, and the step is NaN: the lane ends as diverged), with and without the cap. And
/// the root-free test (Sylvester's criterion with a margin) never calls positive definite a Hessian whose
/// eigenvalues say otherwise.
#[test]
fn newton_takes_the_documented_step_for_every_kind_of_hessian() {
    use crate::linalg::symmetric_eigen;
    // The step, and the relative error allowed: the plain step's det is ad - b² where the reference takes
    // l0 l1, and both lose digits as H nears singular, in proportion to its condition number.
    let reference = |h: [[f64; 2]; 2], g: [f64; 2], lr: f64, max_step: f64| -> ([f64; 2], f64) {
        // The eigen-decomposition of H scaled by a power of two to about 1 (exactly), so that tiny and huge
        // Hessians have their true eigenvectors here.
        let m = h.iter().flatten().fold(0f64, |m, v| m.max(v.abs()));
        let s = if m > 0.0 { (-m.log2().floor()).exp2() } else { 1.0 };
        let (l, v) = symmetric_eigen(h.map(|r| r.map(|e| e * s)));
        let l = l.map(|e| e / s);
        let floor = 1e-6 * l[0].abs().max(l[1].abs()).max(1.0);
        if l[0] > floor {
            let det = l[0] * l[1];
            let step = [
                -lr * (h[1][1] * g[0] - h[0][1] * g[1]) / det,
                -lr * (h[0][0] * g[1] - h[0][1] * g[0]) / det,
            ];
            return (step, 1e-14 * l[1] / l[0]);
        }
        let mut dir = [0.0; 2];
        for k in 0..2 {
            let proj = (v[k][0] * g[0] + v[k][1] * g[1]) / l[k].abs().max(floor);
            dir[0] += proj * v[k][0];
            dir[1] += proj * v[k][1];
        }
        let len = lr * dir[0].hypot(dir[1]);
        let cap = if len > max_step { max_step / len } else { 1.0 };
        ([-lr * dir[0] * cap, -lr * dir[1] * cap], 1e-13)
    };
    let mut hessians = vec![
        [[2.0, 0.0], [0.0, 6.0]],
        [[2.0, 0.5], [0.5, 3.0]],
        [[1e4, 0.0], [0.0, 1e-3]],
        [[1.0, 0.999], [0.999, 1.0]],
        [[1.0, 2.0], [2.0, -1.0]],
        [[-3.0, 0.2], [0.2, -1.0]],
        [[1.0, 1.0], [1.0, 1.0]],
        [[0.0, 0.0], [0.0, 0.0]],
        [[4.0, 0.0], [0.0, 4.0]],
        [[-4.0, 0.0], [0.0, -4.0]],
        [[0.0, 3.0], [3.0, 0.0]],
        [[1e-7, 0.0], [0.0, 5.0]],
        [[2.5e-6, 0.0], [0.0, 1.0]],
        [[1e-300, 0.0], [0.0, 1e-300]],
        [[3e-160, 1e-160], [1e-160, -2e-160]],
        [[1e-161, 2e-162], [2e-162, 5e-162]],
        [[1e150, 1e149], [1e149, 1e150]],
        [[1e150, -3e149], [-3e149, -1e150]],
    ];
    let mut rng = crate::rng::SplitMix64::new(13);
    let mut r = || 8.0 * rng.next_f64() - 4.0;
    for _ in 0..2000 {
        let (a, b, d) = (r(), r(), r());
        let scale = 10f64.powf(r());
        hessians.push([[a * scale, b * scale], [b * scale, d * scale]]);
    }
    for (i, h) in hessians.iter().enumerate() {
        for (j, (g, lr, max_step)) in [
            ([0.3, -1.7], 1.0, 1.0),
            ([2.5, 0.25], 0.5, 0.1),
            ([-1e-3, 4e-3], 0.1, 10.0),
        ]
        .into_iter()
        .enumerate()
        {
            let newton = OptimizerSpec::new(
                Method::Newton,
                &Options {
                    max_step: Some(max_step),
                    ..Options::default()
                },
            )
            .unwrap();
            let got = newton.step(
                &mut newton.state(),
                &Step {
                    position: [0.0, 0.0],
                    gradient: g,
                    hessian: Some(*h),
                    learning_rate: lr,
                    step: 1,
                    shared: Shared::default(),
                },
            );
            let (want, relative) = reference(*h, g, lr, max_step);
            let tolerance = relative.max(1e-15) * want[0].hypot(want[1]);
            for k in 0..2 {
                assert!(
                    (got[k] - want[k]).abs() <= tolerance,
                    "Hessian {i} {h:?}, case {j}: {got:?}, want {want:?}"
                );
            }
        }
    }
}

#[test]
fn bad_hyper_parameters_are_refused_with_a_reason() {
    let e = |m, o| OptimizerSpec::new(m, &o).unwrap_err().to_string();
    assert_eq!(
        e(
            Method::Adam,
            Options {
                beta1: Some(1.0),
                ..Options::default()
            }
        ),
        "beta1 must be in [0, 1) (got 1)"
    );
    assert!(e(
        Method::Gd,
        Options {
            momentum: Some(0.9),
            ..Options::default()
        }
    )
    .starts_with("momentum does not apply to gd; its options are: weight_decay"));
    assert_eq!(
        OptimizerSpec::new(
            Method::Gd,
            &Options {
                momentum: Some(0.9),
                ..Options::default()
            }
        ),
        Err(ConfigError::NotAnOption {
            option: "momentum",
            method: Method::Gd
        })
    );
    assert!(e(
        Method::Adagrad,
        Options {
            eps: Some(f64::NAN),
            ..Options::default()
        }
    )
    .contains("eps must be finite"));
    assert!(e(
        Method::Nesterov,
        Options {
            dampening: Some(0.5),
            ..Options::default()
        }
    )
    .contains("zero dampening"));
    assert!(check_learning_rate(0.0).is_err());
    assert!(check_learning_rate(f64::INFINITY).is_err());
    assert!(check_learning_rate(-0.1).is_err());
}

#[test]
fn schedules() {
    let r = |s: &str, t| Schedule::parse(s).unwrap().rate(0.1, t, 100);
    assert_eq!(r("constant", 50), 0.1);
    assert_abs_diff_eq!(r("step:10:0.5", 25), 0.025, epsilon = 1e-15);
    assert_abs_diff_eq!(r("exponential:0.9", 2), 0.081, epsilon = 1e-15);
    assert_abs_diff_eq!(r("linear", 50), 0.05, epsilon = 1e-15);
    assert_abs_diff_eq!(r("cosine", 0), 0.1, epsilon = 1e-15);
    assert_abs_diff_eq!(r("cosine", 50), 0.05, epsilon = 1e-15);
    assert!(Schedule::parse("cosine:x").is_err());
    assert!(Schedule::parse("warp").is_err());
    assert!(Schedule::parse("step:0").is_err());
    assert!(Schedule::parse("exponential:1.5").is_err());
}

#[test]
fn adamax_first_step_is_lr_times_sign() {
    // m = 0.1 g, u = |g| + eps, lr / (1 - 0.9) * m / u = lr * g / (|g| + eps).
    let eps = 1e-8;
    let step = |g: f64| 0.1 * g / (g + eps);
    close(
        steps(spec(Method::Adamax, Options::default()), 0.1, 1)[0],
        [1.0 - step(2.0), 1.0 - step(6.0)],
    );
}

#[test]
fn nadam_first_step() {
    // mu_1, mu_2 by Dozat's schedule; m = 0.1 g; sqrt(v / (1 - b2)) = |g|: the step is
    // lr g / (|g| + eps) * (1 + 0.1 mu_2 / (1 - mu_1 mu_2)).
    let mu = |t: f64| 0.9 * (1.0 - 0.5 * 0.96f64.powf(t * 0.004));
    let (mu1, mu2, lr, eps) = (mu(1.0), mu(2.0), 0.1, 1e-8);
    let step = |g: f64| lr * g / (g + eps) * (1.0 + 0.1 * mu2 / (1.0 - mu1 * mu2));
    close(
        steps(spec(Method::Nadam, Options::default()), lr, 1)[0],
        [1.0 - step(2.0), 1.0 - step(6.0)],
    );
}

#[test]
fn radam_is_momentum_until_the_variance_is_tractable() {
    // rho_1 = 1999 - 2 * 0.999 / 0.001 = 1 <= 5: the first step is lr * m / (1 - b1) = lr * g.
    let s = steps(spec(Method::Radam, Options::default()), 0.1, 8);
    close(s[0], [0.8, 0.4]);
    // By hand, steps 2 to 8 with the rectification switched on where rho_t > 5.
    let (b1, b2, lr, eps) = (0.9f64, 0.999f64, 0.1, 1e-8);
    let rho_inf = 2.0 / (1.0 - b2) - 1.0;
    let (mut p, mut m, mut v) = ([1.0f64, 1.0], [0.0f64; 2], [0.0f64; 2]);
    let mut rectified_steps = 0;
    for t in 1..=8 {
        let g = gradient(p);
        let rho = rho_inf - 2.0 * t as f64 * b2.powi(t) / (1.0 - b2.powi(t));
        for i in 0..2 {
            m[i] = b1 * m[i] + (1.0 - b1) * g[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g[i] * g[i];
            let mhat = m[i] / (1.0 - b1.powi(t));
            p[i] -= if rho > 5.0 {
                let r = ((rho - 4.0) * (rho - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho)).sqrt();
                lr * mhat * r * (1.0 - b2.powi(t)).sqrt() / (v[i].sqrt() + eps)
            } else {
                lr * mhat
            };
        }
        rectified_steps += usize::from(rho > 5.0);
        assert_abs_diff_eq!(s[t as usize - 1][0], p[0], epsilon = 1e-12);
        assert_abs_diff_eq!(s[t as usize - 1][1], p[1], epsilon = 1e-12);
    }
    assert!(
        (1..8).contains(&rectified_steps),
        "{rectified_steps} rectified steps of 8"
    );
}

#[test]
fn adadelta_first_step() {
    // v = 0.1 g^2; delta = sqrt(eps) / sqrt(v + eps) * g.
    let eps = 1e-6f64;
    let delta = |g: f64| eps.sqrt() / (0.1 * g * g + eps).sqrt() * g;
    close(
        steps(spec(Method::Adadelta, Options::default()), 1.0, 1)[0],
        [1.0 - delta(2.0), 1.0 - delta(6.0)],
    );
}

#[test]
fn rprop_grows_steps_that_keep_their_sign_and_undoes_nothing_after_a_flip() {
    // lr 0.1: steps of 0.1, then 0.12 (the gradient kept its sign).
    let s = steps(spec(Method::Rprop, Options::default()), 0.1, 2);
    close(s[0], [0.9, 0.9]);
    close(s[1], [0.78, 0.78]);
    // lr 1.5: the first step overshoots to -0.5 (the gradient flips): the step size halves to 0.75 and the
    // position stays; the gradient is forgotten, so the third step moves by 0.75 without growing.
    let s = steps(spec(Method::Rprop, Options::default()), 1.5, 3);
    close(s[0], [-0.5, -0.5]);
    close(s[1], [-0.5, -0.5]);
    close(s[2], [0.25, 0.25]);
}

#[test]
fn lion_moves_every_coordinate_by_the_learning_rate() {
    let s = steps(spec(Method::Lion, Options::default()), 0.1, 2);
    close(s[0], [0.9, 0.9]);
    close(s[1], [0.8, 0.8]);
    // Decoupled weight decay shrinks first.
    let wd = Options {
        weight_decay: Some(0.5),
        ..Options::default()
    };
    close(steps(spec(Method::Lion, wd), 0.1, 1)[0], [0.95 - 0.1, 0.95 - 0.1]);
}

#[test]
fn warmup_and_clipping() {
    let t = TrainingLoop {
        warmup: 4,
        clip_grad_norm: Some(1.0),
        noise: None,
    };
    let cosine = Schedule::parse("cosine").unwrap();
    // 0.25, 0.5, 0.75, 1 of the rate, then the cosine over the 6 updates left.
    let rates: Vec<f64> = (0..10).map(|k| t.rate(&cosine, 0.1, k, 10)).collect();
    for (k, want) in [0.025, 0.05, 0.075, 0.1, 0.1].iter().enumerate() {
        assert_abs_diff_eq!(rates[k], *want, epsilon = 1e-15);
    }
    assert_abs_diff_eq!(
        rates[7],
        0.1 * (1.0 + (std::f64::consts::PI * 3.0 / 6.0).cos()) / 2.0,
        epsilon = 1e-15
    );
    // (3, 4) has norm 5: scaled by 1 / (5 + 1e-6); a gradient within the norm is left alone.
    let g = t.gradient([3.0, 4.0], None);
    close(g, [3.0 / (5.0 + 1e-6), 4.0 / (5.0 + 1e-6)]);
    assert_eq!(t.gradient([0.3, 0.4], None), [0.3, 0.4]);
    // Noise is added before clipping: (0.3, 0.4) + (2.7, 3.6) is (3, 4) again.
    close(t.gradient([0.3, 0.4], Some([2.7, 3.6])), g);
    assert!(t.validate(3).unwrap_err().to_string().contains("longer than the run"));
    let bad = TrainingLoop {
        clip_grad_norm: Some(0.0),
        ..t
    };
    assert!(bad.validate(10).is_err());
}

#[test]
fn new_methods_refuse_bad_hyper_parameters() {
    let e = |m, o| OptimizerSpec::new(m, &o).unwrap_err().to_string();
    let etas = |a, b| Options {
        etas: Some([a, b]),
        ..Options::default()
    };
    assert!(e(Method::Rprop, etas(1.5, 1.2)).starts_with("etas must be"));
    assert!(e(Method::Rprop, etas(0.5, 0.9)).starts_with("etas must be"));
    let sizes = Options {
        step_sizes: Some([1.0, 0.1]),
        ..Options::default()
    };
    assert!(e(Method::Rprop, sizes).starts_with("step sizes must be"));
    let rho = Options {
        rho: Some(1.5),
        ..Options::default()
    };
    assert_eq!(e(Method::Adadelta, rho), "rho must be in [0, 1] (got 1.5)");
    let decay = Options {
        momentum_decay: Some(-1.0),
        ..Options::default()
    };
    assert!(e(Method::Nadam, decay).contains("momentum decay must be finite and non-negative"));
    assert!(e(Method::Lion, etas(0.5, 1.2)).starts_with("etas does not apply to lion"));
}
