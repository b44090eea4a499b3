//! The linear algebra of 2x2 symmetric matrices that Newton's method and the classification of end points
//! share, written once for numbers and lane vectors (see [`crate::optim::Real`]).

use crate::optim::Real;

/// Eigenvalues (ascending) and unit eigenvectors (rows, in the same order) of a symmetric 2x2 matrix.
pub fn symmetric_eigen(h: [[f64; 2]; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
    eigen(h)
}

/// The eigenvalues (ascending) of a symmetric 2x2 matrix, as [`eigen`] computes them.
#[inline(always)]
pub fn eigenvalues<T: Real>(h: [[T; 2]; 2]) -> [T; 2] {
    let (a, b, d) = (h[0][0], h[0][1], h[1][1]);
    let mean = T::splat(0.5) * (a + d);
    let radius = (T::splat(0.25) * (a - d) * (a - d) + b * b).sqrt();
    [mean - radius, mean + radius]
}

/// [`symmetric_eigen`] for numbers or lanes: every lane takes the branch its own values choose (both sides are
/// computed and one is selected), with the same operations as a single number.
#[inline(always)]
pub fn eigen<T: Real>(h: [[T; 2]; 2]) -> ([T; 2], [[T; 2]; 2]) {
    let zero = T::splat(0.0);
    let [l1, l2] = eigenvalues(h);
    let v = larger_eigenvector(h, l2);
    let n = (v[0] * v[0] + v[1] * v[1]).sqrt();
    let v2 = or_axis(n.gt(zero), [v[0] / n, v[1] / n], h);
    // -v2[1] as 0 - v2[1]: the same zero for numbers and lanes.
    let v1 = [zero - v2[1], v2[0]];
    ([l1, l2], [v1, v2])
}

/// The eigenvector of the larger eigenvalue `l2` of a symmetric 2x2 matrix, unnormalised: (b, l2 - a) or
/// (l2 - d, b), whichever is better conditioned (zero for a multiple of the identity).
#[inline(always)]
pub fn larger_eigenvector<T: Real>(h: [[T; 2]; 2], l2: T) -> [T; 2] {
    let (a, b, d) = (h[0][0], h[0][1], h[1][1]);
    let first = ((l2 - a).abs() + b.abs()).ge((l2 - d).abs() + b.abs());
    [T::select(first, b, l2 - d), T::select(first, l2 - a, b)]
}

/// `v` where `usable` holds; elsewhere (a zero eigenvector: a multiple of the identity) an axis, x where a >= d.
#[inline(always)]
pub fn or_axis<T: Real>(usable: T::Mask, v: [T; 2], h: [[T; 2]; 2]) -> [T; 2] {
    let (zero, one) = (T::splat(0.0), T::splat(1.0));
    let x_axis = h[0][0].ge(h[1][1]);
    [
        T::select(usable, v[0], T::select(x_axis, one, zero)),
        T::select(usable, v[1], T::select(x_axis, zero, one)),
    ]
}
