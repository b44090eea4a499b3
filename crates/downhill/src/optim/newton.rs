//! Damped Newton: `p -= lr * H^-1 g` where the Hessian is positive definite. Elsewhere (a saddle, a maximum,
//! a flat direction) the plain Newton step would climb or explode, so the Hessian is replaced by its
//! "absolute value" `Q |Λ| Q^T` with eigenvalues floored at `1e-6 * max(1, |λ|max)` (saddle-free Newton),
//! which always points downhill, and such a fallback step is no longer than `max_step` (a trust radius: the
//! floored eigenvalues could otherwise send it far away). Where the Hessian is positive definite the step is
//! the plain damped Newton step, uncapped, so a quadratic is solved in one step at `lr = 1`.
//!
//! The division and square root unit is what a Newton step waits for, so the test comes in two parts. The
//! first takes no root: Sylvester's criterion (a > 0, det H = ad - b² > 0) with room to spare,
//! `det H > 2e-6 max(1, tr H)²`, which implies the eigenvalue test (λ0 λ1 = det H and λ1 < tr H give
//! λ0 > 2e-6 max(1, λ1)) and keeps 1/det H finite. Such a Hessian's step is adj(H) g / det H, with one
//! division. A vector of lanes that all pass it (a single run that passes it) takes that step and nothing
//! more. Otherwise the eigenvalues are computed, and every lane that did not pass the first test takes
//! `Q |Λ|floored^-1 Q^T g`, capped only where the smallest eigenvalue is not above the floor (where it is, that
//! is H^-1 g, the Newton step). The same for a lane and for a single run. The eigenvectors are not normalised
//! but scaled by their larger component: the projection on `v` is `(v·g) v / (|v|² λ)`, one square root fewer
//! than with a unit vector.

use super::{Real, Step};
use crate::linalg::{eigenvalues, larger_eigenvector, or_axis};

/// One update (Newton keeps no state).
#[inline(always)]
pub(super) fn step<T: Real>(max_step: f64, s: &Step<T>) -> [T; 2] {
    let (zero, one) = (T::splat(0.0), T::splat(1.0));
    let g = s.gradient;
    let h = s.hessian.unwrap_or([[one, zero], [zero, one]]);
    let (a, b, d) = (h[0][0], h[0][1], h[1][1]);
    let lr = T::splat(s.learning_rate);
    let det = a * d - b * b;
    let r = one / det;
    let plain = [
        s.position[0] - lr * ((d * g[0] - b * g[1]) * r),
        s.position[1] - lr * ((a * g[1] - b * g[0]) * r),
    ];
    // Sylvester's criterion with a margin: det counts only where a > 0 (then det > 0 makes d > 0 and tr > 0).
    let tr = (a + d).max(one);
    let sylvester = T::select(a.gt(zero), det, zero);
    let clearly = sylvester.gt(T::splat(2e-6) * tr * tr);
    if T::all(clearly) {
        return plain;
    }
    let l = eigenvalues(h);
    let floor = T::splat(1e-6) * l[0].abs().max(l[1].abs()).max(one);
    let positive_definite = l[0].gt(floor);
    // The eigenvector of l[1], scaled by its larger component (not normalised, which takes a root; not left as
    // it is, whose square underflows in f32 where the Hessian is 1e-20, out on a flat landscape); (-v1, v0) is
    // l[0]'s. One too small to scale is taken for zero.
    let v = larger_eigenvector(h, l[1]);
    let u = one / v[0].abs().max(v[1].abs());
    let v = or_axis(T::splat(f64::INFINITY).gt(u), [v[0] * u, v[1] * u], h);
    // |v|² is in [1, 2].
    let n2 = v[0] * v[0] + v[1] * v[1];
    // -v[1] as 0 - v[1]: the same zero for numbers and lanes.
    let vectors = [[zero - v[1], v[0]], v];
    let mut dir = [zero; 2];
    for k in 0..2 {
        let lam = l[k].abs().max(floor);
        let proj = (vectors[k][0] * g[0] + vectors[k][1] * g[1]) / (n2 * lam);
        dir[0] = dir[0] + proj * vectors[k][0];
        dir[1] = dir[1] + proj * vectors[k][1];
    }
    let step = [lr * dir[0], lr * dir[1]];
    let len = (step[0] * step[0] + step[1] * step[1]).sqrt();
    // A fallback step longer than max_step is scaled back to it (not a positive definite Hessian's: that is
    // the Newton step).
    let max_step = T::splat(max_step);
    let cap = T::select(len.gt(max_step), max_step / len, one);
    let cap = T::select(positive_definite, one, cap);
    // (A step kept whole is multiplied by 1, exactly itself.)
    let fallback = [s.position[0] - step[0] * cap, s.position[1] - step[1] * cap];
    [
        T::select(clearly, plain[0], fallback[0]),
        T::select(clearly, plain[1], fallback[1]),
    ]
}
