//! Lane vectors: several points' values in one SIMD register (`wide`'s f64x4 and f32x8), with the math a tape
//! needs. Functions `wide` lacks are built from the ones it has, or computed lane by lane.

use std::ops::{Add, Div, Mul, Neg, Sub};

use wide::{f32x8, f64x4};

use crate::expr::parser::{sign, Func};

/// A vector of lanes.
pub trait Lanes:
    Copy
    + Send
    + Sync
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// Lanes per vector.
    const N: usize;
    /// Every lane `v`.
    fn splat(v: f64) -> Self;
    /// From f64 values (rounded for f32 lanes); `v.len() == N`.
    fn load(v: &[f64]) -> Self;
    /// Lane `i` as f64.
    fn lane(self, i: usize) -> f64;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `self ^ e`.
    fn powf(self, e: f64) -> Self;
    /// `self ^ e`, lane by lane.
    fn pow(self, e: Self) -> Self;
    /// `self * m + a` (fused where the target has FMA).
    fn mul_add(self, m: Self, a: Self) -> Self;
    /// e^self.
    fn exp(self) -> Self;
    /// One of the grammar's functions.
    fn call(self, f: Func) -> Self;
    /// Bit i set where lane i is finite and |lane| <= limit.
    fn within(self, limit: f64) -> u32;
    /// Bit i set where lane i <= the other's lane i (false for NaN).
    fn le(self, other: Self) -> u32;
}

/// Applies a scalar function lane by lane (for functions without a vector form).
macro_rules! per_lane {
    ($v:expr, $t:ty, $f:expr) => {{
        let a = $v.to_array();
        <$t>::from(a.map(|x| $f(x as f64) as _))
    }};
}

macro_rules! lanes_impl {
    ($t:ty, $s:ty, $n:expr, $pow:ident) => {
        impl Lanes for $t {
            const N: usize = $n;
            #[inline(always)]
            fn splat(v: f64) -> Self {
                <$t>::splat(v as $s)
            }
            #[inline(always)]
            fn load(v: &[f64]) -> Self {
                let mut a = [0 as $s; $n];
                for (o, x) in a.iter_mut().zip(v) {
                    *o = *x as $s;
                }
                <$t>::from(a)
            }
            #[inline(always)]
            fn lane(self, i: usize) -> f64 {
                self.to_array()[i] as f64
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline(always)]
            fn powf(self, e: f64) -> Self {
                per_lane!(self, $t, |x: f64| x.powf(e))
            }
            #[inline(always)]
            fn pow(self, e: Self) -> Self {
                let (a, b) = (self.to_array(), e.to_array());
                <$t>::from(std::array::from_fn::<$s, $n, _>(|i| {
                    (a[i] as f64).powf(b[i] as f64) as $s
                }))
            }
            #[inline(always)]
            fn mul_add(self, m: Self, a: Self) -> Self {
                <$t>::mul_add(self, m, a)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline(always)]
            fn within(self, limit: f64) -> u32 {
                use wide::CmpLe;
                self.abs().cmp_le(<$t>::splat(limit as $s)).move_mask() as u32
            }
            #[inline(always)]
            fn le(self, other: Self) -> u32 {
                use wide::CmpLe;
                self.cmp_le(other).move_mask() as u32
            }
            #[inline(always)]
            fn call(self, f: Func) -> Self {
                match f {
                    Func::Exp => <$t>::exp(self),
                    Func::Ln => self.ln(),
                    Func::Abs => self.abs(),
                    Func::Sin => self.sin_cos().0,
                    Func::Cos => self.sin_cos().1,
                    Func::Tan => self.tan(),
                    Func::Atan => self.atan(),
                    Func::Asin => per_lane!(self, $t, f64::asin),
                    Func::Acos => per_lane!(self, $t, f64::acos),
                    Func::Sign => per_lane!(self, $t, sign),
                    Func::Sinh => per_lane!(self, $t, f64::sinh),
                    Func::Cosh => per_lane!(self, $t, f64::cosh),
                    Func::Tanh => per_lane!(self, $t, f64::tanh),
                }
            }
        }
    };
}

lanes_impl!(f64x4, f64, 4, pow_f64x4);
lanes_impl!(f32x8, f32, 8, pow_f32x8);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_function_matches_the_scalar_one() {
        let xs = [0.3, -0.7, 1.9, 0.05];
        let v = f64x4::load(&xs);
        for f in [
            Func::Exp,
            Func::Ln,
            Func::Abs,
            Func::Sign,
            Func::Sin,
            Func::Cos,
            Func::Tan,
            Func::Asin,
            Func::Acos,
            Func::Atan,
            Func::Sinh,
            Func::Cosh,
            Func::Tanh,
        ] {
            let out = v.call(f);
            for (i, &x) in xs.iter().enumerate() {
                let (a, b) = (out.lane(i), f.apply(x));
                // wide's ln is the least accurate, about 1e-13 relative.
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0) || (a.is_nan() && b.is_nan()),
                    "{f:?}({x}): {a} vs {b}"
                );
            }
        }
    }
}
