//! Adadelta (PyTorch's `Adadelta`): `v = rho v + (1 - rho) g^2`,
//! `d = sqrt(u + eps) / sqrt(v + eps) * g`, `u = rho u + (1 - rho) d^2`, `p -= lr * d` (the learning rate is a
//! factor on a step that has the units of p: PyTorch's default, and downhill's, is 1).

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s` holds the squared-gradient average and the squared-update average.
#[inline(always)]
pub(super) fn step<T: Real>(rho: f64, eps: f64, weight_decay: f64, state: &mut State<T>, s: &Step<T>) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let (lr, rho, one_minus_rho, eps) = (
        T::splat(s.learning_rate),
        T::splat(rho),
        T::splat(1.0 - rho),
        T::splat(eps),
    );
    let [v, u, _] = &mut state.s;
    let mut p = s.position;
    for i in 0..2 {
        v[i] = rho * v[i] + one_minus_rho * g[i] * g[i];
        let std = (v[i] + eps).sqrt();
        let delta = (u[i] + eps).sqrt() / std * g[i];
        u[i] = rho * u[i] + one_minus_rho * delta * delta;
        p[i] = p[i] - lr * delta;
    }
    p
}
