//! NAdam (PyTorch's `NAdam`): Adam with Nesterov momentum and Dozat's momentum schedule
//! `mu_t = b1 (1 - 0.5 * 0.96^(t * momentum_decay))`: `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
//! `d = sqrt(v / (1 - b2^t)) + eps`, `p -= lr (1 - mu_t) / (1 - prod mu) * g / d`, then
//! `p -= lr mu_{t+1} / (1 - mu_{t+1} prod mu) * m / d`. The product of the `mu` up to `t` is the same for every
//! lane and is kept outside the lanes ([`super::Shared`]).

use super::{with_weight_decay, Real, State, Step};

/// The momentum factor of update `t`.
pub(super) fn mu(beta1: f64, momentum_decay: f64, t: u64) -> f64 {
    beta1 * (1.0 - 0.5 * 0.96f64.powf(t as f64 * momentum_decay))
}

/// One update; `state.s` holds the first and second moments.
#[inline(always)]
pub(super) fn step<T: Real>(
    betas: [f64; 2],
    eps: f64,
    weight_decay: f64,
    momentum_decay: f64,
    state: &mut State<T>,
    s: &Step<T>,
) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let [b1, b2] = betas;
    let (lr, t) = (s.learning_rate, s.step);
    let product = s.shared.product;
    let (mu, mu_next) = (mu(b1, momentum_decay, t), mu(b1, momentum_decay, t + 1));
    let bias2 = T::splat(1.0 - b2.powi(super::power_of(t)));
    let on_gradient = T::splat(-lr * (1.0 - mu) / (1.0 - product));
    let on_moment = T::splat(-lr * mu_next / (1.0 - product * mu_next));
    let (b1, one_minus_b1, b2, one_minus_b2) = (T::splat(b1), T::splat(1.0 - b1), T::splat(b2), T::splat(1.0 - b2));
    let eps = T::splat(eps);
    let [m, v, _] = &mut state.s;
    let mut p = s.position;
    for i in 0..2 {
        m[i] = b1 * m[i] + one_minus_b1 * g[i];
        v[i] = b2 * v[i] + one_minus_b2 * g[i] * g[i];
        let denom = (v[i] / bias2).sqrt() + eps;
        p[i] = p[i] + on_gradient * g[i] / denom;
        p[i] = p[i] + on_moment * m[i] / denom;
    }
    p
}
