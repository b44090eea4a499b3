//! Schedule-Free AdamW and SGD (Defazio et al. 2024, as the `schedulefree` package's `AdamWScheduleFree` and
//! `SGDScheduleFree` in train mode). Two sequences are kept: `z`, plain steps of the (normalised) gradient,
//! and the average `x` of the `z` so far, weighted by `lr_max^weight_lr_power * t^r`; the gradient is taken
//! at `y`, an interpolation of the two (`y = b1 x + (1 - b1) z`). In the package's update `y` moves to `z` by
//! `ckp1 = weight / weight_sum`, then by `lr (b1 (1 - ckp1) - 1)` times the gradient, and `z` by `-lr` times it.
//!
//! The trajectory shows `y`, the point whose gradient is taken (the parameter in train mode); the averaged
//! point `x` that the package's `eval()` hands back, `y + (1 - 1/b1)(z - y)`, is reported beside it
//! ([`super::OptimizerSpec::averaged`]). The package's own `warmup_steps` is the loop's `--warmup`: both scale
//! the rate by `(t + 1) / N`. The weights are the same for every lane and are kept outside the lanes
//! ([`super::Shared`]).

use super::{Real, Shared, State, Step};

/// Advances the weights to update `step` at rate `lr`.
pub(super) fn advance(shared: &mut Shared, r: f64, weight_lr_power: f64, step: u64, lr: f64) {
    shared.lr_max = lr.max(shared.lr_max);
    let weight = (step as f64).powf(r) * shared.lr_max.powf(weight_lr_power);
    shared.weight_sum += weight;
    shared.ckp1 = if shared.weight_sum == 0.0 {
        0.0
    } else {
        weight / shared.weight_sum
    };
}

/// One update; `state.s` holds `z` and (AdamW) the second moment. `betas[0]` is SGD's momentum; `adam` says
/// whether the gradient is normalised by the second moment (AdamW) or taken as it is (SGD).
#[inline(always)]
pub(super) fn step<T: Real>(
    adam: bool,
    betas: [f64; 2],
    eps: f64,
    weight_decay: f64,
    state: &mut State<T>,
    s: &Step<T>,
) -> [T; 2] {
    let [b1, b2] = betas;
    let (lr, ckp1) = (s.learning_rate, s.shared.ckp1);
    let bias2 = T::splat(1.0 - b2.powi(super::power_of(s.step)));
    let (b2, one_minus_b2, eps, wd) = (T::splat(b2), T::splat(1.0 - b2), T::splat(eps), T::splat(weight_decay));
    let y_rate = T::splat(lr * (b1 * (1.0 - ckp1) - 1.0));
    let (lr, ckp1) = (T::splat(lr), T::splat(ckp1));
    let [z, v, _] = &mut state.s;
    if s.step == 1 {
        *z = s.position;
    }
    let mut y = s.position;
    for i in 0..2 {
        let g = s.gradient[i];
        let mut g = if adam {
            v[i] = b2 * v[i] + one_minus_b2 * g * g;
            g / ((v[i] / bias2).sqrt() + eps)
        } else {
            g
        };
        if weight_decay != 0.0 {
            g = g + wd * y[i];
        }
        y[i] = y[i] + ckp1 * (z[i] - y[i]);
        y[i] = y[i] + y_rate * g;
        z[i] = z[i] - lr * g;
    }
    y
}

/// The averaged point `x` of position `y` with state `state` (`b1` is SGD's momentum).
pub(super) fn averaged<T: Real>(b1: f64, state: &State<T>, y: [T; 2]) -> [T; 2] {
    let w = T::splat(1.0 - 1.0 / b1);
    let z = state.s[0];
    [y[0] + w * (z[0] - y[0]), y[1] + w * (z[1] - y[1])]
}
