//! RAdam (PyTorch's `RAdam`): Adam whose adaptive step is switched on only once the variance of the second
//! moment is tractable. `rho_inf = 2 / (1 - b2) - 1`, `rho_t = rho_inf - 2 t b2^t / (1 - b2^t)`; while
//! `rho_t <= 5` the step is momentum alone, `p -= lr * m / (1 - b1^t)`; after, it is multiplied by
//! `sqrt(1 - b2^t) / (sqrt(v) + eps)` and the rectification
//! `sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))`.

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s` holds the first and second moments.
#[inline(always)]
pub(super) fn step<T: Real>(betas: [f64; 2], eps: f64, weight_decay: f64, state: &mut State<T>, s: &Step<T>) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let [b1, b2] = betas;
    let t = super::power_of(s.step);
    let (bias1, bias2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
    let rho_inf = 2.0 / (1.0 - b2) - 1.0;
    let rho_t = rho_inf - 2.0 * s.step as f64 * b2.powi(t) / bias2;
    // The same for every lane: computed once, in f64.
    let rectified = rho_t > 5.0;
    let rect = (((rho_t - 4.0) * (rho_t - 2.0) * rho_inf) / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)).sqrt();
    let (lr, bias1, bias2_sqrt, rect) = (
        T::splat(s.learning_rate),
        T::splat(bias1),
        T::splat(bias2.sqrt()),
        T::splat(rect),
    );
    let (b1, one_minus_b1, b2, one_minus_b2) = (T::splat(b1), T::splat(1.0 - b1), T::splat(b2), T::splat(1.0 - b2));
    let eps = T::splat(eps);
    let [m, v, _] = &mut state.s;
    let mut p = s.position;
    for i in 0..2 {
        m[i] = b1 * m[i] + one_minus_b1 * g[i];
        v[i] = b2 * v[i] + one_minus_b2 * g[i] * g[i];
        let corrected = m[i] / bias1;
        p[i] = if rectified {
            let adaptive = bias2_sqrt / (v[i].sqrt() + eps);
            p[i] - corrected * lr * adaptive * rect
        } else {
            p[i] - corrected * lr
        };
    }
    p
}
