//! RMSProp (PyTorch's `RMSprop`): `v = alpha * v + (1 - alpha) * g^2`; centered subtracts the squared mean
//! gradient; with momentum `b = momentum * b + g / (sqrt(v) + eps)` and `p -= lr * b`, else
//! `p -= lr * g / (sqrt(v) + eps)`.

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s` holds the squared-gradient average, the gradient average (centered) and the
/// momentum buffer.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn step<T: Real>(
    alpha: f64,
    eps: f64,
    momentum: f64,
    centered: bool,
    weight_decay: f64,
    state: &mut State<T>,
    s: &Step<T>,
) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let (a, one_minus_a) = (T::splat(alpha), T::splat(1.0 - alpha));
    let (eps, lr, m) = (T::splat(eps), T::splat(s.learning_rate), T::splat(momentum));
    let [square_avg, grad_avg, buffer] = &mut state.s;
    // A loop, not `array::from_fn` with a closure: a closure left as a call would run without the caller's
    // instruction set (10x slower in batches).
    let mut p = s.position;
    for i in 0..2 {
        square_avg[i] = a * square_avg[i] + one_minus_a * g[i] * g[i];
        let avg = if centered {
            grad_avg[i] = a * grad_avg[i] + one_minus_a * g[i];
            (square_avg[i] - grad_avg[i] * grad_avg[i]).sqrt() + eps
        } else {
            square_avg[i].sqrt() + eps
        };
        p[i] = if momentum > 0.0 {
            buffer[i] = m * buffer[i] + g[i] / avg;
            s.position[i] - lr * buffer[i]
        } else {
            s.position[i] - lr * g[i] / avg
        };
    }
    p
}
