//! What kind of point a run ended at, read off the gradient and the Hessian there.
//!
//! A point is taken as stationary when the Newton step to the nearby stationary point, `|H^-1 g|`, is at most
//! [`STATIONARY_DISTANCE`] times `max(1, |p|)` (a distance, so the test does not depend on the function's
//! scale). Eigenvalues within 1e-6 times `max(1, |λ|max)` of zero count as zero; along their eigenvectors the
//! gradient's component itself must be at most 1e-6 times `max(1, |λ|)`, and along the others the Newton
//! step's component at most that distance.

use serde::Serialize;

use crate::expr::SecondOrder;
use crate::linalg::symmetric_eigen;

/// How close (as a Newton step) a point must be to a stationary point to be classified as one.
pub const STATIONARY_DISTANCE: f64 = 1e-3;

/// The kind of point a run ended at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StationaryPoint {
    /// Gradient zero, Hessian positive definite.
    Minimum,
    /// Gradient zero, Hessian negative definite.
    Maximum,
    /// Gradient zero, Hessian indefinite.
    Saddle,
    /// Gradient zero, Hessian singular: a plateau, a valley floor or a degenerate point.
    Flat,
    /// Not a stationary point (the gradient is not small).
    None,
}

impl StationaryPoint {
    /// The name used in JSON and tables.
    pub fn name(self) -> &'static str {
        match self {
            StationaryPoint::Minimum => "minimum",
            StationaryPoint::Maximum => "maximum",
            StationaryPoint::Saddle => "saddle",
            StationaryPoint::Flat => "flat",
            StationaryPoint::None => "none",
        }
    }
}

/// Classifies a point from its gradient and Hessian.
pub fn classify(p: [f64; 2], s: &SecondOrder) -> StationaryPoint {
    let finite = s
        .gradient
        .iter()
        .chain(s.hessian.iter().flatten())
        .all(|v| v.is_finite());
    if !finite {
        return StationaryPoint::None;
    }
    let ([l1, l2], v) = symmetric_eigen(s.hessian);
    let scale = l1.abs().max(l2.abs()).max(1.0);
    let zero = 1e-6 * scale;
    let g = s.gradient;
    let singular = l1.abs() <= zero || l2.abs() <= zero;
    // Direction by direction: along a curved one the Newton step to the stationary point must be short; along
    // one that is (relatively) flat the gradient itself must be near zero. A flat direction beside a hugely
    // curved one (ln(x) + y^2 near x = 0) is not stationary because of the other's curvature.
    let reach = STATIONARY_DISTANCE * p[0].abs().max(p[1].abs()).max(1.0);
    let settled = |l: f64, axis: [f64; 2]| {
        let along = axis[0] * g[0] + axis[1] * g[1];
        if l.abs() <= zero {
            along.abs() <= 1e-6 * l.abs().max(1.0)
        } else {
            (along / l).abs() <= reach
        }
    };
    let stationary = settled(l1, v[0]) && settled(l2, v[1]);
    if !stationary {
        StationaryPoint::None
    } else if singular {
        StationaryPoint::Flat
    } else if l1 > 0.0 {
        StationaryPoint::Minimum
    } else if l2 < 0.0 {
        StationaryPoint::Maximum
    } else {
        StationaryPoint::Saddle
    }
}
