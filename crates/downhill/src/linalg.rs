//! The linear algebra of 2x2 symmetric matrices that Newton's method and the classification of end points
//! share.

/// Eigenvalues (ascending) and unit eigenvectors (rows, in the same order) of a symmetric 2x2 matrix.
pub fn symmetric_eigen(h: [[f64; 2]; 2]) -> ([f64; 2], [[f64; 2]; 2]) {
    let (a, b, d) = (h[0][0], h[0][1], h[1][1]);
    let mean = 0.5 * (a + d);
    let radius = (0.25 * (a - d) * (a - d) + b * b).sqrt();
    let (l1, l2) = (mean - radius, mean + radius);
    // Eigenvector of l2: (b, l2 - a) or (l2 - d, b), whichever is better conditioned.
    let v = if (l2 - a).abs() + b.abs() >= (l2 - d).abs() + b.abs() {
        [b, l2 - a]
    } else {
        [l2 - d, b]
    };
    let n = (v[0] * v[0] + v[1] * v[1]).sqrt();
    let v2 = if n > 0.0 {
        [v[0] / n, v[1] / n]
    } else if a >= d {
        [1.0, 0.0]
    } else {
        [0.0, 1.0]
    };
    let v1 = [-v2[1], v2[0]];
    ([l1, l2], [v1, v2])
}
