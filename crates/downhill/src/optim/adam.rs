//! Adam and AdamW (PyTorch's `Adam` and `AdamW`): `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
//! `p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`. Adam's weight decay is L2 (added to the
//! gradient); AdamW's is decoupled (`p *= 1 - lr * wd` before the update). AMSGrad uses the running maximum
//! of `v`.
//!
//! One change of PyTorch's order of operations: `sqrt(v) / sqrt(1 - b2^t)` is taken as `sqrt(v)` times the
//! reciprocal `1 / sqrt(1 - b2^t)`, computed once per update in f64. That saves one division per coordinate,
//! which on a cheap function is what the update waits for (the divider also takes the square root and the step's
//! own division); the quotient differs by at most an ulp or so, and the paths agree with torch.optim's to 1e-9
//! as before (`tests/reference_trajectories.rs`).

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s` holds the first moment, the second moment and (AMSGrad) its running maximum.
#[inline(always)]
pub(super) fn step<T: Real>(
    betas: [f64; 2],
    eps: f64,
    weight_decay: f64,
    decoupled: bool,
    amsgrad: bool,
    state: &mut State<T>,
    s: &Step<T>,
) -> [T; 2] {
    let [b1, b2] = betas;
    let (mut p, g) = if decoupled {
        let shrink = T::splat(1.0 - s.learning_rate * weight_decay);
        ([s.position[0] * shrink, s.position[1] * shrink], s.gradient)
    } else {
        (s.position, with_weight_decay(s.gradient, s.position, weight_decay))
    };
    // The bias corrections are the same for every lane: computed once, in f64.
    let t = super::power_of(s.step);
    let bias1 = 1.0 - b1.powi(t);
    let inverse_bias2_sqrt = T::splat(1.0 / (1.0 - b2.powi(t)).sqrt());
    let step_size = T::splat(s.learning_rate / bias1);
    let (b1, one_minus_b1) = (T::splat(b1), T::splat(1.0 - b1));
    let (b2, one_minus_b2) = (T::splat(b2), T::splat(1.0 - b2));
    let eps = T::splat(eps);
    let [m, v, v_max] = &mut state.s;
    for i in 0..2 {
        m[i] = b1 * m[i] + one_minus_b1 * g[i];
        v[i] = b2 * v[i] + one_minus_b2 * g[i] * g[i];
        let second = if amsgrad {
            v_max[i] = v_max[i].max(v[i]);
            v_max[i]
        } else {
            v[i]
        };
        let denom = second.sqrt() * inverse_bias2_sqrt + eps;
        p[i] = p[i] - step_size * m[i] / denom;
    }
    p
}
