//! Rprop (PyTorch's `Rprop`): each coordinate has its own step size, multiplied by `eta_plus` where the
//! gradient kept its sign and by `eta_minus` where it flipped (clamped to `[step_size_min, step_size_max]`);
//! the coordinate moves by its step size against the gradient's sign, except after a flip, where it does
//! not move and the gradient is forgotten. The step sizes start at the learning rate of the first update;
//! after that the learning rate (and a schedule) has no effect, as in PyTorch.

use super::{sign, Real, State, Step};

/// One update; `state.s` holds the previous gradient (zero after a flip) and the step sizes.
#[inline(always)]
pub(super) fn step<T: Real>(etas: [f64; 2], step_sizes: [f64; 2], state: &mut State<T>, s: &Step<T>) -> [T; 2] {
    let (zero, one) = (T::splat(0.0), T::splat(1.0));
    let (eta_minus, eta_plus) = (T::splat(etas[0]), T::splat(etas[1]));
    let (lo, hi) = (T::splat(step_sizes[0]), T::splat(step_sizes[1]));
    let [prev, size, _] = &mut state.s;
    if s.step == 1 {
        *size = [T::splat(s.learning_rate); 2];
    }
    let mut p = s.position;
    for i in 0..2 {
        let g = s.gradient[i];
        let product = g * prev[i];
        let flipped = zero.gt(product);
        let factor = T::select(product.gt(zero), eta_plus, T::select(flipped, eta_minus, one));
        let grown = (size[i] * factor).max(lo);
        size[i] = T::select(grown.gt(hi), hi, grown);
        let g = T::select(flipped, zero, g);
        p[i] = p[i] - sign(g) * size[i];
        prev[i] = g;
    }
    p
}
