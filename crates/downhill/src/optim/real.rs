//! The arithmetic an optimizer's update is written in, once for every use: `f64` for single runs and lane
//! vectors for batches, so that a lane and a single run take the same steps with the same roundings.

use std::ops::{Add, Div, Mul, Neg, Sub};

/// A number, or a vector of numbers (lanes) computed side by side with the same operations.
pub trait Real:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self> + Neg<Output = Self>
{
    /// Where a comparison holds: `bool` for a number, one bit per lane for lanes.
    type Mask: Copy;
    /// Every lane `v`.
    fn splat(v: f64) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// |self|.
    fn abs(self) -> Self;
    /// The larger of two values (IEEE maxNum, as `f64::max`: a NaN loses to a number).
    fn max(self, other: Self) -> Self;
    /// Where `self > other`.
    fn gt(self, other: Self) -> Self::Mask;
    /// Where `self >= other`.
    fn ge(self, other: Self) -> Self::Mask;
    /// `if mask { a } else { b }`, lane by lane.
    fn select(mask: Self::Mask, a: Self, b: Self) -> Self;
    /// Whether the mask holds in every lane.
    fn all(mask: Self::Mask) -> bool;
}

impl Real for f64 {
    type Mask = bool;
    #[inline(always)]
    fn splat(v: f64) -> f64 {
        v
    }
    #[inline(always)]
    fn sqrt(self) -> f64 {
        f64::sqrt(self)
    }
    #[inline(always)]
    fn abs(self) -> f64 {
        f64::abs(self)
    }
    #[inline(always)]
    fn max(self, other: f64) -> f64 {
        f64::max(self, other)
    }
    #[inline(always)]
    fn gt(self, other: f64) -> bool {
        self > other
    }
    #[inline(always)]
    fn ge(self, other: f64) -> bool {
        self >= other
    }
    #[inline(always)]
    fn select(mask: bool, a: f64, b: f64) -> f64 {
        if mask {
            a
        } else {
            b
        }
    }
    #[inline(always)]
    fn all(mask: bool) -> bool {
        mask
    }
}
