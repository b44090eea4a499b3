//! AdaGrad (PyTorch's `Adagrad`): `sum += g^2`, `clr = lr / (1 + (t - 1) * lr_decay)`,
//! `p -= clr * g / (sqrt(sum) + eps)`.

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s[0]` is the sum of squared gradients (it starts at the initial accumulator value).
#[inline(always)]
pub(super) fn step<T: Real>(lr_decay: f64, eps: f64, weight_decay: f64, state: &mut State<T>, s: &Step<T>) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let clr = T::splat(s.learning_rate / (1.0 + (s.step - 1) as f64 * lr_decay));
    let eps = T::splat(eps);
    let sum = &mut state.s[0];
    // A loop, not `array::from_fn` with a closure (see rmsprop.rs).
    let mut p = s.position;
    for i in 0..2 {
        sum[i] = sum[i] + g[i] * g[i];
        p[i] = s.position[i] - clr * g[i] / (sum[i].sqrt() + eps);
    }
    p
}
