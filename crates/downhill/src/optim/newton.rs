//! Damped Newton: `p -= lr * H^-1 g` where the Hessian is positive definite. Elsewhere (a saddle, a maximum,
//! a flat direction) the plain Newton step would climb or explode, so the Hessian is replaced by its
//! "absolute value" `Q |Λ| Q^T` with eigenvalues floored at `1e-6 * max(1, |λ|max)` (saddle-free Newton),
//! which always points downhill, and such a fallback step is no longer than `max_step` (a trust radius: the
//! floored eigenvalues could otherwise send it far away). Where the Hessian is positive definite the step is
//! the plain damped Newton step, uncapped, so a quadratic is solved in one step at `lr = 1`; it is computed by
//! the 2x2 inverse (adj(H) g / det H), so a vector of lanes that are all positive definite takes no
//! eigenvectors (two square roots and four divisions fewer per vector).

use super::{Real, Step};
use crate::linalg::{eigen, eigenvalues};

/// One update (Newton keeps no state).
#[inline(always)]
pub(super) fn step<T: Real>(max_step: f64, s: &Step<T>) -> [T; 2] {
    let (zero, one) = (T::splat(0.0), T::splat(1.0));
    let g = s.gradient;
    let h = s.hessian.unwrap_or([[one, zero], [zero, one]]);
    let l = eigenvalues(h);
    let floor = T::splat(1e-6) * l[0].abs().max(l[1].abs()).max(one);
    let positive_definite = l[0].gt(floor);
    let lr = T::splat(s.learning_rate);
    // Positive definite: H^-1 g = adj(H) g / det H, with det H = l0 l1.
    let (a, b, d) = (h[0][0], h[0][1], h[1][1]);
    let det = l[0] * l[1];
    let plain = [
        s.position[0] - lr * ((d * g[0] - b * g[1]) / det),
        s.position[1] - lr * ((a * g[1] - b * g[0]) / det),
    ];
    // Lanes all positive definite (a single run whose Hessian is) need no eigenvectors.
    if T::all(positive_definite) {
        return plain;
    }
    let (l, v) = eigen(h);
    let mut dir = [zero; 2];
    for k in 0..2 {
        let lam = l[k].abs().max(floor);
        let proj = (v[k][0] * g[0] + v[k][1] * g[1]) / lam;
        dir[0] = dir[0] + proj * v[k][0];
        dir[1] = dir[1] + proj * v[k][1];
    }
    let step = [lr * dir[0], lr * dir[1]];
    let len = (step[0] * step[0] + step[1] * step[1]).sqrt();
    // A fallback step longer than max_step is scaled back to it.
    let max_step = T::splat(max_step);
    let cap = T::select(len.gt(max_step), max_step / len, one);
    // (A step kept whole is multiplied by 1, exactly itself.)
    let fallback = [s.position[0] - step[0] * cap, s.position[1] - step[1] * cap];
    [
        T::select(positive_definite, plain[0], fallback[0]),
        T::select(positive_definite, plain[1], fallback[1]),
    ]
}
