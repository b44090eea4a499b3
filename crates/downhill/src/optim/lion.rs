//! Lion (Chen et al. 2023, as the `lion-pytorch` package): `p *= 1 - lr * wd`,
//! `p -= lr * sign(b1 m + (1 - b1) g)`, then `m = b2 m + (1 - b2) g`. Every coordinate moves by exactly the
//! learning rate (or not at all), whatever the gradient's size.

use super::{sign, Real, State, Step};

/// One update; `state.s[0]` is the momentum.
#[inline(always)]
pub(super) fn step<T: Real>(betas: [f64; 2], weight_decay: f64, state: &mut State<T>, s: &Step<T>) -> [T; 2] {
    let [b1, b2] = betas;
    let lr = s.learning_rate;
    let shrink = T::splat(1.0 - lr * weight_decay);
    let (lr, b1, one_minus_b1) = (T::splat(lr), T::splat(b1), T::splat(1.0 - b1));
    let (b2, one_minus_b2) = (T::splat(b2), T::splat(1.0 - b2));
    let m = &mut state.s[0];
    let mut p = s.position;
    for i in 0..2 {
        let g = s.gradient[i];
        let update = sign(b1 * m[i] + one_minus_b1 * g);
        p[i] = p[i] * shrink - update * lr;
        m[i] = b2 * m[i] + one_minus_b2 * g;
    }
    p
}
