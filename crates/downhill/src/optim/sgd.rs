//! Gradient descent, heavy-ball momentum and Nesterov momentum: PyTorch's `SGD`.
//!
//! `b = momentum * b + (1 - dampening) * g` (the first step sets `b = g`); the step direction is `b`, or
//! `g + momentum * b` for Nesterov; `p -= lr * direction`. With momentum 0 this is the seed's plain update.

use super::{with_weight_decay, Real, State, Step};

/// One update; `state.s[0]` is the momentum buffer.
#[inline(always)]
pub(super) fn step<T: Real>(
    momentum: f64,
    dampening: f64,
    weight_decay: f64,
    nesterov: bool,
    state: &mut State<T>,
    s: &Step<T>,
) -> [T; 2] {
    let g = with_weight_decay(s.gradient, s.position, weight_decay);
    let lr = T::splat(s.learning_rate);
    let d = if momentum == 0.0 {
        g
    } else {
        let (m, damp) = (T::splat(momentum), T::splat(1.0 - dampening));
        let b = if s.step == 1 {
            g
        } else {
            let b = state.s[0];
            [m * b[0] + damp * g[0], m * b[1] + damp * g[1]]
        };
        state.s[0] = b;
        if nesterov {
            [g[0] + m * b[0], g[1] + m * b[1]]
        } else {
            b
        }
    };
    [s.position[0] - lr * d[0], s.position[1] - lr * d[1]]
}
