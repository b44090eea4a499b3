//! Adamax (PyTorch's `Adamax`): Adam with the infinity norm, `m = b1 m + (1 - b1) g`,
//! `u = max(b2 u, |g| + eps)`, `p -= lr / (1 - b1^t) * m / u`.

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s` holds the first moment and the exponentially weighted infinity norm.
#[inline(always)]
pub(super) fn step<T: Real>(betas: [f64; 2], eps: f64, weight_decay: f64, state: &mut State<T>, s: &Step<T>) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let [b1, b2] = betas;
    let clr = T::splat(s.learning_rate / (1.0 - b1.powi(super::power_of(s.step))));
    let (b1, one_minus_b1, b2, eps) = (T::splat(b1), T::splat(1.0 - b1), T::splat(b2), T::splat(eps));
    let [m, u, _] = &mut state.s;
    let mut p = s.position;
    for i in 0..2 {
        m[i] = b1 * m[i] + one_minus_b1 * g[i];
        u[i] = (b2 * u[i]).max(g[i].abs() + eps);
        p[i] = p[i] - clr * m[i] / u[i];
    }
    p
}
