//! Lane vectors: several points' values side by side (4 f64 or 8 f32, one AVX2 register's worth), with the
//! math a tape needs. They are plain arrays with element-wise operations: the engine's hot loops are compiled
//! twice, once for AVX2 with FMA (chosen at run time where the CPU has them, see [`fast`]), where these loops
//! become vector instructions, and once for any x86-64 (or other CPU). A multiply-add is always fused
//! (`mul_add`, one rounding), as in the machine code, so the interpreter and the machine code agree bit for bit
//! on every CPU. (`wide`, used before, picks its implementation when it is compiled: built for any x86-64, its
//! multiply-add was two roundings, and the interpreter no longer matched the machine code.)

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::{vmath, vmath32};
use crate::expr::Func;

/// Whether this CPU runs the AVX2-and-FMA versions of the hot loops (decided once).
pub fn fast() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        static FAST: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *FAST.get_or_init(|| std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

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
    /// The mask with every lane's bit set.
    const ALL: u32 = if Self::N == 32 { u32::MAX } else { (1u32 << Self::N) - 1 };
    /// The precision of a lane (which machine code a compiled kernel uses).
    const PRECISION: super::Precision;
    /// Whether these are AVX registers (`avx.rs`), used only where the CPU has AVX2 and FMA and only in code
    /// compiled for them; the arrays run everywhere.
    const AVX: bool = false;
    /// Every lane `v`.
    fn splat(v: f64) -> Self;
    /// From f64 values (rounded for f32 lanes); `v.len() == N`.
    fn load(v: &[f64]) -> Self;
    /// Lane `i` as f64.
    fn lane(self, i: usize) -> f64;
    /// Square root.
    fn sqrt(self) -> Self;
    /// `self ^ e`: by square roots for the exponents [`vmath::root_power`] takes, else [`Lanes::pow`].
    #[inline(always)]
    fn powf(self, e: f64) -> Self {
        match vmath::root_power(self, e) {
            Some(v) => v,
            None => self.pow(Self::splat(e)),
        }
    }
    /// `self ^ e`, lane by lane.
    fn pow(self, e: Self) -> Self;
    /// `self * m + a`, fused (one rounding).
    fn mul_add(self, m: Self, a: Self) -> Self;
    /// `self * m - a`, fused.
    fn mul_sub(self, m: Self, a: Self) -> Self;
    /// `a - self * m`, fused.
    fn neg_mul_add(self, m: Self, a: Self) -> Self;
    /// `-(self * m) - a`, fused.
    fn neg_mul_sub(self, m: Self, a: Self) -> Self;
    /// |self|.
    fn abs(self) -> Self;
    /// The lesser of each pair of lanes (`other`'s lane where either is NaN, as x86's `minpd`).
    fn min(self, other: Self) -> Self;
    /// Each 32-bit word of the lanes' bits the larger of the two as an unsigned integer (`vpmaxud`). For lanes
    /// whose sign bits are clear, whose bits order as their values, a value at least either's in f32, and in
    /// f64 at least either's high word (within 2^-20 of the value, the low words taken apart); NaN where either
    /// is NaN.
    fn max_words(self, other: Self) -> Self;
    /// e^self.
    fn exp(self) -> Self;
    /// e^self in the form [`ExpForm::Table`] (f64 lanes; f32 lanes have one form, [`Lanes::exp`]).
    fn exp_table(self) -> Self;
    /// One of the grammar's functions.
    fn call(self, f: Func) -> Self;
    /// Bit i set where lane i is finite and |lane| <= limit.
    fn within(self, limit: f64) -> u32;
    /// Bit i set where lane i <= the other's lane i (false for NaN).
    fn le(self, other: Self) -> u32;
    /// Lane i of `self` where bit i of `mask` is set, else lane i of `other`.
    fn select(self, mask: u32, other: Self) -> Self;
    /// The larger, lane by lane, as `f64::max` (a NaN loses to a number).
    fn max_num(self, other: Self) -> Self;
    /// All ones where `self > other` (false for NaN), else zero: a mask as a value, for [`Lanes::blend`].
    fn mask_gt(self, other: Self) -> Self;
    /// All ones where `self >= other`, else zero.
    fn mask_ge(self, other: Self) -> Self;
    /// With `self` a mask: `a` where it is set, else `b`.
    fn blend(self, a: Self, b: Self) -> Self;
}

/// The lane types: a float array aligned as one AVX2 register, element-wise arithmetic, and x86's `minpd` and
/// `maxpd` semantics for min and max (the second operand where either is NaN), which the exps' clamps rely on.
macro_rules! lane_type {
    ($name:ident, $s:ty, $n:expr, $bits:ty, $doc:expr) => {
        #[doc = $doc]
        #[derive(Clone, Copy, Debug, PartialEq)]
        #[repr(C, align(32))]
        pub struct $name(pub [$s; $n]);

        impl $name {
            /// Every lane `v`.
            #[inline(always)]
            pub fn splat(v: $s) -> $name {
                $name([v; $n])
            }
            #[inline(always)]
            fn map(self, f: impl Fn($s) -> $s) -> $name {
                let mut out = self.0;
                for o in out.iter_mut() {
                    *o = f(*o);
                }
                $name(out)
            }
            #[inline(always)]
            fn zip(self, o: $name, f: impl Fn($s, $s) -> $s) -> $name {
                let mut out = self.0;
                for (a, b) in out.iter_mut().zip(o.0) {
                    *a = f(*a, b);
                }
                $name(out)
            }
            #[inline(always)]
            fn zip3(self, m: $name, a: $name, f: impl Fn($s, $s, $s) -> $s) -> $name {
                let mut out = self.0;
                for ((x, y), z) in out.iter_mut().zip(m.0).zip(a.0) {
                    *x = f(*x, y, z);
                }
                $name(out)
            }
            /// Lane by lane `if self < o { self } else { o }`: x86's `minpd self, o`.
            #[inline(always)]
            pub fn fast_min(self, o: $name) -> $name {
                self.zip(o, |a, b| if a < b { a } else { b })
            }
            /// Lane by lane `if self > o { self } else { o }`: x86's `maxpd self, o`.
            #[inline(always)]
            pub fn fast_max(self, o: $name) -> $name {
                self.zip(o, |a, b| if a > b { a } else { b })
            }
            /// `self * m + a`, fused.
            #[inline(always)]
            pub fn fma(self, m: $name, a: $name) -> $name {
                self.zip3(m, a, |x, y, z| x.mul_add(y, z))
            }
            /// The lanes' bits.
            #[inline(always)]
            pub fn to_bits(self) -> [$bits; $n] {
                self.0.map(<$s>::to_bits)
            }
            /// Lanes from bits.
            #[inline(always)]
            pub fn from_bits(b: [$bits; $n]) -> $name {
                $name(b.map(<$s>::from_bits))
            }
            /// Bit i set where lane i < the other's lane i (false for NaN).
            #[inline(always)]
            fn lt_mask(self, o: $name) -> u32 {
                let mut m = 0;
                for (i, (a, b)) in self.0.iter().zip(o.0).enumerate() {
                    m |= u32::from(*a < b) << i;
                }
                m
            }
            /// The lanes.
            #[inline(always)]
            pub fn to_array(self) -> [$s; $n] {
                self.0
            }
        }

        impl From<[$s; $n]> for $name {
            #[inline(always)]
            fn from(a: [$s; $n]) -> $name {
                $name(a)
            }
        }

        impl Add for $name {
            type Output = $name;
            #[inline(always)]
            fn add(self, o: $name) -> $name {
                self.zip(o, |a, b| a + b)
            }
        }
        impl Sub for $name {
            type Output = $name;
            #[inline(always)]
            fn sub(self, o: $name) -> $name {
                self.zip(o, |a, b| a - b)
            }
        }
        impl Mul for $name {
            type Output = $name;
            #[inline(always)]
            fn mul(self, o: $name) -> $name {
                self.zip(o, |a, b| a * b)
            }
        }
        impl Div for $name {
            type Output = $name;
            #[inline(always)]
            fn div(self, o: $name) -> $name {
                self.zip(o, |a, b| a / b)
            }
        }
        impl Neg for $name {
            type Output = $name;
            /// `0 - self`, as the machine code negates (so -(+0) is +0, and a NaN keeps its sign).
            #[inline(always)]
            fn neg(self) -> $name {
                self.map(|a| 0.0 - a)
            }
        }
    };
}

lane_type!(F64x4, f64, 4, u64, "Four f64 lanes.");
lane_type!(F32x8, f32, 8, u32, "Eight f32 lanes.");

impl vmath::Widen for F32x8 {
    type Wide = F64x4;
    #[inline(always)]
    fn widen(self) -> (F64x4, F64x4) {
        let a = self.0.map(f64::from);
        (F64x4([a[0], a[1], a[2], a[3]]), F64x4([a[4], a[5], a[6], a[7]]))
    }
    #[inline(always)]
    fn narrow(lo: F64x4, hi: F64x4) -> F32x8 {
        F32x8(std::array::from_fn(|i| {
            if i < 4 {
                lo.0[i] as f32
            } else {
                hi.0[i - 4] as f32
            }
        }))
    }
}

impl vmath32::F32Lanes for F32x8 {
    #[inline(always)]
    fn split_exponent(self) -> (F32x8, F32x8) {
        let b = self.to_bits();
        let m = F32x8::from_bits(b.map(|b| (b & 0x007f_ffff) | 0x3f80_0000));
        // The biased exponent as the low bits of 2^23's mantissa: exact, then unbiased.
        let e = F32x8::from_bits(b.map(|b| (b >> 23 & 0xff) | 0x4b00_0000));
        (m, e - F32x8::splat(8_388_735.0)) // 2^23 + 127
    }
    #[inline(always)]
    fn copysign(self, sign: F32x8) -> F32x8 {
        self.zip(sign, f32::copysign)
    }
}

impl vmath::F64Lanes for F64x4 {
    #[inline(always)]
    fn split_exponent(self) -> (F64x4, F64x4) {
        let b = self.to_bits();
        let m = F64x4::from_bits(b.map(|b| (b & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000));
        // The biased exponent as the low bits of 2^52's mantissa: exact, then unbiased.
        let e = F64x4::from_bits(b.map(|b| (b >> 52 & 0x7ff) | 0x4330_0000_0000_0000));
        (m, e - F64x4::splat(4_503_599_627_371_519.0)) // 2^52 + 1023
    }
    #[inline(always)]
    fn copysign(self, sign: F64x4) -> F64x4 {
        self.zip(sign, f64::copysign)
    }
}

macro_rules! lanes_impl {
    ($t:ty, $s:ty, $n:expr, $exp:ident, $exp_table:ident, $p:ident, $call:path, $pow:path) => {
        impl Lanes for $t {
            const N: usize = $n;
            const PRECISION: super::Precision = super::Precision::$p;
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
                self.0[i] as f64
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                self.map(<$s>::sqrt)
            }
            #[inline(always)]
            fn pow(self, e: Self) -> Self {
                $pow(self, e)
            }
            #[inline(always)]
            fn mul_add(self, m: Self, a: Self) -> Self {
                self.fma(m, a)
            }
            #[inline(always)]
            fn mul_sub(self, m: Self, a: Self) -> Self {
                self.zip3(m, a, |x, y, z| x.mul_add(y, -z))
            }
            #[inline(always)]
            fn neg_mul_add(self, m: Self, a: Self) -> Self {
                self.zip3(m, a, |x, y, z| (-x).mul_add(y, z))
            }
            #[inline(always)]
            fn neg_mul_sub(self, m: Self, a: Self) -> Self {
                self.zip3(m, a, |x, y, z| (-x).mul_add(y, -z))
            }
            #[inline(always)]
            fn abs(self) -> Self {
                self.map(<$s>::abs)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                self.fast_min(other)
            }
            #[inline(always)]
            fn max_words(self, other: Self) -> Self {
                let (a, b) = (self.to_bits(), other.to_bits());
                let word = |a: u64, b: u64, k: u32| (a >> k & 0xffff_ffff).max(b >> k & 0xffff_ffff) << k;
                <$t>::from_bits(std::array::from_fn(|i| {
                    let (a, b) = (u64::from(a[i]), u64::from(b[i]));
                    (word(a, b, 0) | word(a, b, 32)) as _
                }))
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn exp_table(self) -> Self {
                $exp_table(self)
            }
            #[inline(always)]
            fn within(self, limit: f64) -> u32 {
                // A limit past the lane type's largest number (f64::MAX in f32) is that number: inf is not finite.
                let limit = (limit as $s).min(<$s>::MAX);
                let mut m = 0;
                for (i, v) in self.0.iter().enumerate() {
                    m |= u32::from(v.abs() <= limit) << i;
                }
                m
            }
            #[inline(always)]
            fn le(self, other: Self) -> u32 {
                let mut m = 0;
                for (i, (a, b)) in self.0.iter().zip(other.0).enumerate() {
                    m |= u32::from(*a <= b) << i;
                }
                m
            }
            #[inline(always)]
            fn select(self, mask: u32, other: Self) -> Self {
                let mut out = other.0;
                for (i, (o, s)) in out.iter_mut().zip(self.0).enumerate() {
                    if mask >> i & 1 == 1 {
                        *o = s;
                    }
                }
                <$t>::from(out)
            }
            #[inline(always)]
            fn max_num(self, other: Self) -> Self {
                self.zip(other, <$s>::max)
            }
            #[inline(always)]
            fn mask_gt(self, other: Self) -> Self {
                self.zip(other, |a, b| <$s>::from_bits(if a > b { !0 } else { 0 }))
            }
            #[inline(always)]
            fn mask_ge(self, other: Self) -> Self {
                self.zip(other, |a, b| <$s>::from_bits(if a >= b { !0 } else { 0 }))
            }
            #[inline(always)]
            fn blend(self, a: Self, b: Self) -> Self {
                self.zip3(a, b, |m, a, b| if m.to_bits() != 0 { a } else { b })
            }
            #[inline(always)]
            fn call(self, f: Func) -> Self {
                match f {
                    Func::Exp => $exp(self),
                    Func::Abs => self.map(<$s>::abs),
                    _ => $call(self, f),
                }
            }
        }
    };
}

lanes_impl!(F64x4, f64, 4, exp_f64x4, exp_f64x4_table, F64, vmath::call, vmath::pow);
lanes_impl!(
    F32x8,
    f32,
    8,
    exp_f32x8,
    exp_f32x8,
    F32,
    vmath32::call,
    vmath::pow_widened
);

/// The tests' way to call a function of the grammar with a run-time `f`: one call out of line. `call` is
/// `inline(always)`, so each call site with a run-time `f` compiles the whole function library (twice over in
/// f32, whose widened route holds the f64 library): a test with seven such sites took 20 minutes of the test
/// build's optimiser.
#[cfg(test)]
pub(super) trait CallOutOfLine: Lanes {
    #[inline(never)]
    fn call_out_of_line(self, f: Func) -> Self {
        self.call(f)
    }
}
#[cfg(test)]
impl CallOutOfLine for F64x4 {}
#[cfg(test)]
impl CallOutOfLine for F32x8 {}

/// Lanes as the numbers an optimizer's update is written in: the same operations, lane by lane, as on `f64`.
macro_rules! real_impl {
    ($t:ty, $s:ty) => {
        impl crate::optim::Real for $t {
            type Mask = u32;
            #[inline(always)]
            fn splat(v: f64) -> Self {
                <$t>::splat(v as $s)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                self.map(<$s>::sqrt)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                self.map(<$s>::abs)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                self.zip(other, <$s>::max)
            }
            #[inline(always)]
            fn gt(self, other: Self) -> u32 {
                other.lt_mask(self)
            }
            #[inline(always)]
            fn ge(self, other: Self) -> u32 {
                Lanes::le(other, self)
            }
            #[inline(always)]
            fn select(mask: u32, a: Self, b: Self) -> Self {
                Lanes::select(a, mask, b)
            }
            #[inline(always)]
            fn all(mask: u32) -> bool {
                mask == <$t as Lanes>::ALL
            }
        }
    };
}

real_impl!(F64x4, f64);
real_impl!(F32x8, f32);

/// How f64 lanes compute e^x. The interpreter and the compiled kernels agree on it bit for bit; which one runs
/// is decided once per process, by the machine code the CPU takes (`jit.rs`), and the interpreter follows it, so
/// a machine's results do not depend on `DOWNHILL_JIT`. Both are accurate to about one unit in the last place
/// and differ from each other (and from libm) only in last bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpForm {
    /// [`exp_f64x4`]: a degree-11 polynomial, 2^n built in the exponent bits. What AVX2 code computes, and
    /// the interpreter on CPUs without AVX-512.
    Polynomial,
    /// [`exp_f64x4_table`]: 2^(j/16) from a 16-entry table (one `vpermi2pd`), a degree-6 polynomial, and the
    /// scaling of `vscalefpd`. What AVX-512 code computes: five multiply-adds fewer per exp.
    Table,
}

/// The constants of an exp: its clamp (see [`exp_f64x4`] for the ends it makes), the rounding trick's magic
/// number, 2^k/ln 2 and the two-part ln 2/2^k for a table of 2^(j/2^k), and the polynomial (highest power
/// first): minimax for relative error on |r| <= ln2/2^(k+1), from `bench/exp_remez.py 11` (degree 11 for f64,
/// k = 0, worst 1.8e-17) and `bench/exp_table.py` (degree 3 for f32 with k = 3, worst 3.9e-8 with its
/// coefficients rounded to f32). Shared with the compiled kernels (`jit.rs`), which must compute exactly the
/// same values.
pub(crate) struct ExpConsts<S: 'static> {
    pub clamp: (S, S),
    pub magic: S,
    pub log2e: S,
    /// ln 2/2^k in two parts, high and low, for r = (x - n high) - n low; a low part of 0 means one step.
    pub ln2: (S, S),
    pub poly: &'static [S],
    /// The mantissa width.
    pub shift: u32,
    /// Without a table (f64): 2^n is (t's bits + bias) << shift.
    pub bias: u64,
    /// k: n's low k bits pick the table entry, the others are the power of two.
    pub table_bits: u32,
    /// With a table (f32; empty for f64), for `vpermps`: entry j is the bits of 2^(j/2^k) minus
    /// j << (shift - k). Adding n << (shift - k) to entry n mod 2^k gives 2^(j/2^k) 2^(n>>k) in one integer
    /// addition (see [`exp_f32x8`]).
    pub table: &'static [u32],
}

/// 2^(j/8) for j < 8, rounded to f32.
const POW2_EIGHTHS: [f32; 8] = [
    1.0,
    1.090_507_7,
    1.189_207_1,
    1.296_839_6,
    std::f32::consts::SQRT_2,
    1.542_210_8,
    1.681_792_9,
    1.834_008_1,
];

/// [`ExpConsts::table`] for f32 (mantissa width 23, k = 3).
const fn scale_table_f32(t: [f32; 8]) -> [u32; 8] {
    let mut out = [0; 8];
    let mut j = 0;
    while j < 8 {
        out[j] = t[j].to_bits().wrapping_sub((j as u32) << (23 - 3));
        j += 1;
    }
    out
}

pub(crate) const EXP_F64: ExpConsts<f64> = ExpConsts {
    // n = -1023 (2^-1023 built as exactly +0) below, n = 1024 (2^1024: +inf) above.
    clamp: (-709.4, 709.79),
    magic: 6755399441055744.0, // 1.5 * 2^52: adding it rounds to an integer in the low bits.
    log2e: std::f64::consts::LOG2_E,
    ln2: (0.693_147_180_369_123_8, 1.908_214_929_270_587_7e-10),
    poly: &[
        2.298_131_157_348_050_3e-8,
        2.762_629_669_221_132e-7,
        2.756_425_494_338_740_3e-6,
        2.480_150_451_070_599e-5,
        1.984_126_149_135_926_7e-4,
        1.388_888_893_234_105_8e-3,
        8.333_333_337_715_486e-3,
        4.166_666_666_657_363_5e-2,
        0.166_666_666_666_573,
        0.500_000_000_000_000_6,
        1.000_000_000_000_000_7,
        1.0,
    ],
    shift: 52,
    bias: 1023,
    table_bits: 0,
    table: &[],
};

pub(crate) const EXP_F32: ExpConsts<f32> = ExpConsts {
    // n = -1016 (2^-127 with entry 0: exactly +0) below, n = 1024 (2^128: +inf) above.
    clamp: (-88.02, 88.7),
    magic: 12_582_912.0, // 1.5 * 2^23
    log2e: 8.0 * std::f32::consts::LOG2_E,
    // ln 2 / 8 in one part: the f32 nearest to it is only 2.4e-10 above it, so r = x - n C in one fused
    // multiply-add is off by n 2.4e-10, at most 2.5e-7 (n = 1024, |x| near 88) and 1.1e-8 for |x| < 4. The
    // second part of a two-part ln 2 / 8 cost a multiply-add per exp: 8% of peaks' compiled f32 gradient.
    // (The multiply-add must be fused: as two roundings, n C rounds, up to 2.6e-6 near |x| = 88.)
    ln2: (0.086_643_4, 0.0),
    poly: &[0.166_651, 0.500_078_3, 1.0, 1.0],
    shift: 23,
    bias: 127,
    table_bits: 3,
    table: &scale_table_f32(POW2_EIGHTHS),
};

/// The constants of [`exp_f64x4_table`] (and of the AVX-512 kernels' exp).
pub(crate) struct ExpTable {
    /// Below -746 e^x rounds to 0 and above 710 to inf (vscalefpd's own rounding makes the exact thresholds).
    pub clamp: (f64, f64),
    /// 1.5 * 2^48: adding it rounds to a multiple of 1/16, whose sixteenths are the low bits.
    pub magic: f64,
    pub log2e: f64,
    /// ln 2 in two parts, as [`EXP_F64`]'s (with FMA, r = (x - q high) - q low rounds twice, near r).
    pub ln2: (f64, f64),
    /// e^r - 1 = c1 r + ... + c6 r^6, highest power first: minimax for relative error on |r| <= ln2/32
    /// (`bench/exp_remez.py --table 4 6`, worst 8.4e-18 with the coefficients rounded to f64).
    pub poly: [f64; 6],
    /// 2^(j/16), each the f64 nearest to it.
    pub table: [f64; 16],
}

pub(crate) const EXP_F64_TABLE: ExpTable = ExpTable {
    clamp: (-746.0, 710.0),
    magic: 422_212_465_065_984.0,
    log2e: std::f64::consts::LOG2_E,
    ln2: EXP_F64.ln2,
    poly: [
        0.001_388_950_320_271_354_3,
        0.008_333_497_134_891_678,
        0.041_666_666_642_515_77,
        0.166_666_666_628_029_76,
        0.500_000_000_000_002,
        1.000_000_000_000_002_2,
    ],
    table: [
        1.0,
        1.044_273_782_427_413_8,
        1.090_507_732_665_257_7,
        1.138_788_634_756_691_6,
        1.189_207_115_002_721,
        1.241_857_812_073_484,
        1.296_839_554_651_009_6,
        1.354_255_546_936_892_7,
        std::f64::consts::SQRT_2,
        1.476_826_145_939_499_3,
        1.542_210_825_407_940_7,
        1.610_490_331_949_254_3,
        1.681_792_830_507_429,
        1.756_252_160_373_299_5,
        1.834_008_086_409_342_4,
        1.915_206_561_397_147_4,
    ],
};

/// A polynomial (coefficients highest power first) at `r`, as E(r²) + r·O(r²) with the even and odd parts
/// each by Horner: two independent chains of half the length, so an exp waits on about 6 multiply-adds in a
/// row instead of 11, for one multiply more (r²). The compiled kernels (`jit.rs`) do the same steps.
#[inline(always)]
pub(crate) fn split_horner<S: Copy + Into<f64>, V: Lanes>(poly: &[S], r: V) -> V {
    assert!(poly.len() >= 2, "a polynomial of degree 1 or more");
    let r2 = r * r;
    // Plain loops, no closure: a closure the compiler leaves out of line is compiled without AVX, and every
    // intrinsic in it becomes a call (it and its calls were over a third of typed-2 Newton f64's time, before).
    let mut odd = V::splat(poly[0].into());
    let mut even = V::splat(poly[1].into());
    let mut i = 2;
    while i < poly.len() {
        odd = odd.mul_add(r2, V::splat(poly[i].into()));
        i += 2;
    }
    i = 3;
    while i < poly.len() {
        even = even.mul_add(r2, V::splat(poly[i].into()));
        i += 2;
    }
    // poly[0] is the top coefficient: with an even degree, the chain from it is the even part.
    if poly.len() % 2 == 1 {
        (odd, even) = (even, odd);
    }
    odd.mul_add(r, even)
}

/// The start both exps share (as the compiled kernels' `exp` does): the clamp, then `t` = x log2e + the magic
/// number (its low bits hold n, x rounded to a multiple of ln 2 / 2^k) and `r` = x - n ln 2 / 2^k (in two parts
/// for f64, one for f32).
/// max and min take the constant first: a NaN x comes through them (vmaxp*/vminp* return their second operand
/// when either is NaN), and through everything after, so NaN in gives NaN out with no blend.
macro_rules! reduce {
    ($v:ty, $c:expr, $x:expr) => {{
        let xc = <$v>::splat($c.clamp.1).fast_min(<$v>::splat($c.clamp.0).fast_max($x));
        let t = xc.mul_add(<$v>::splat($c.log2e), <$v>::splat($c.magic));
        let n = t - <$v>::splat($c.magic);
        let r = n.neg_mul_add(<$v>::splat($c.ln2.0), xc);
        if $c.ln2.1 == 0.0 {
            (t, r)
        } else {
            (t, n.neg_mul_add(<$v>::splat($c.ln2.1), r))
        }
    }};
}

/// e^x for four doubles, branch-free: x = n ln2 + r with |r| <= ln2/2 (Cody-Waite, two-part ln2), e^r by a
/// degree-11 minimax polynomial (relative error below 2e-17 there, so rounding dominates), 2^n built in the
/// exponent bits from the rounding trick's integer and applied by one multiplication, which rounds once.
///
/// The ends, with no blends: the clamp keeps n in [-1023, 1024], where n = 1024 builds +inf and n = -1023
/// builds +0. So e^x overflows to inf (as libm does) once it passes 1.414 * 2^1023 = 1.27e308 rather than
/// f64::MAX (x above 709.44 instead of 709.78), and results below about 1.1e-308 (x below -708.7) are 0
/// instead of subnormal. Everything between is accurate to 3.2e-16 (worst of 2 million points on [-700, 700]).
/// Scaling in two halves would keep libm's exact thresholds, for five more instructions per exp; the batched
/// engine measured 10% slower that way, and at such values gradient descent has diverged or stopped anyway.
/// A table of 2^(j/4) (as [`exp_f32x8`] has, with a degree-8 polynomial: three multiply-adds fewer) measured
/// no faster in f64 and less accurate (4.1e-16). The `wide` crate's exp returns 0 for both ends and uses a degree-13
/// polynomial and blends.
#[inline(always)]
pub fn exp_f64x4(x: F64x4) -> F64x4 {
    let c = &EXP_F64;
    let (t, r) = reduce!(F64x4, c, x);
    let p = split_horner(c.poly, r);
    // t's bits are the magic number's plus n, and the magic number ends in zeros below its top 12 bits, so
    // shifting into the exponent field keeps just n plus the bias: 2^n (no mask needed).
    let scale = F64x4::from_bits(t.to_bits().map(|b| b.wrapping_add(c.bias) << c.shift));
    p * scale
}

/// e^x for four doubles as the AVX-512 kernels compute it ([`ExpForm::Table`]): x = q ln2 + r with q a multiple
/// of 1/16 and |r| <= ln2/32, e^x = 2^floor(q) T e^r with T = 2^(q - floor(q)) from a table of 16, e^r - 1 by a
/// degree-6 polynomial (even and odd parts by Horner in r², as `split_horner` does), and T e^r = T + T (e^r - 1)
/// in one multiply-add, so the table entry's rounding is the only other error. The power of two is applied as
/// `vscalefpd` does, rounding once: from 2^-1022 down that is a correctly rounded subnormal, and the result is
/// inf exactly where it passes f64::MAX, as libm's. Worst relative error over 7.8 million points of [-708, 709.7]:
/// 2.2e-16 (one unit in the last place; [`exp_f64x4`]: 3.2e-16).
///
/// The compiled kernels pick the entry with `vpermi2pd` and scale with `vscalefpd`; here both are done lane
/// by lane (v 2^a 2^b with a = floor(q)/2: the first product is exact, the second rounds once, as
/// `vscalefpd`). This form runs as machine code wherever it is chosen, so the interpreter's lanes are only
/// for comparisons.
#[inline(always)]
pub fn exp_f64x4_table(x: F64x4) -> F64x4 {
    let c = &EXP_F64_TABLE;
    let (t, r) = reduce!(F64x4, c, x);
    let r2 = r * r;
    let [c6, c5, c4, c3, c2, c1] = c.poly.map(F64x4::splat);
    let odd = c5.mul_add(r2, c3).mul_add(r2, c1);
    let even = c6.mul_add(r2, c4).mul_add(r2, c2);
    let em1 = even.mul_add(r2, odd * r).to_array();
    let bits = t.to_bits();
    let magic = c.magic.to_bits() as i64;
    F64x4::from(std::array::from_fn::<f64, 4, _>(|i| {
        let entry = c.table[(bits[i] & 15) as usize];
        let v = entry.mul_add(em1[i], entry);
        // t = magic + q exactly (both in [2^48, 2^49)), so its bits less the magic number's are 16 q.
        let m = (bits[i] as i64).wrapping_sub(magic) >> 4;
        let pow2 = |k: i64| f64::from_bits((k.wrapping_add(1023) as u64) << 52);
        // |m| <= 1077 (the clamp): both halves are normal powers of two. A NaN lane is NaN through v.
        v * pow2(m >> 1) * pow2(m - (m >> 1))
    }))
}

/// e^x for eight floats, with a table: x = (n/8) ln2 + r with |r| <= ln2/16, e^x = 2^(n>>3) 2^((n&7)/8) e^r,
/// the table entry picked by `vpermps` from n's low bits in the rounding trick's sum and combined with
/// 2^(n>>3) in one integer addition (see `ExpConsts::table`), e^r by a degree-3 polynomial whose chain is
/// two multiply-adds long, r from a one-part ln 2 / 8 (see `EXP_F32`). Worst relative error over 4 million
/// points: 2.3e-7 on [-4, 4], 2.8e-7 on [-20, 20], 4.6e-7 on [-87.3, 88.6] (about 4 ulp; a two-part ln 2 / 8
/// had 2.2e-7 everywhere, for 8% more time in the compiled gradient of peaks). Near a minimum an f32 gradient
/// is rounding noise of 1e-6 or more, so the difference does not show in a lane's path. Horner's order for the
/// polynomial had 1.7e-7 instead of 2.2e-7, for 5% more time.
///
/// The ends, as in [`exp_f64x4`] with no blends: the clamp keeps n in [-1016, 1024], where n = -1016 builds +0
/// (entry 0 is 1.0, whose mantissa bits are zero) and n = 1024 builds +inf. So e^x is inf from x = 88.68, where
/// it passes 3.2e38, rather than from f32::MAX (x = 88.72), and 0 below x = -87.98; results below 2^-126 =
/// 1.2e-38 (x from -87.98 to -87.34) are subnormals that are not accurate (entry j's fraction bits under a zero
/// exponent).
#[inline(always)]
pub fn exp_f32x8(x: F32x8) -> F32x8 {
    let c = &EXP_F32;
    let (t, r) = reduce!(F32x8, c, x);
    // (r + 1) + r² (c2 + c3 r) (c1 = 1, checked below): r², c2 + c3 r and r + 1 side by side, then one
    // multiply-add, where Horner has three in a row. Same number of multiplies and multiply-adds, for an
    // addition more.
    let [c3, c2, _, c0] = *c.poly else {
        unreachable!("a cubic")
    };
    let p = r
        .mul_add(F32x8::splat(c3), F32x8::splat(c2))
        .mul_add(r * r, r + F32x8::splat(c0));
    // t's bits are the magic number's plus n, and the magic number ends in zero bits: the low 3 are n mod 8,
    // the table's index (what `vpermps` reads in the machine code), and shifting by 20 keeps n's low 12 bits.
    let table = c.table;
    let scale = F32x8::from_bits(
        t.to_bits()
            .map(|b| table[(b & 7) as usize].wrapping_add(b << (c.shift - c.table_bits))),
    );
    p * scale
}

// exp_f32x8 (and the compiled kernels) take the cubic's r coefficient to be exactly 1.
const _: () = assert!(EXP_F32.poly.len() == 4 && EXP_F32.poly[2] == 1.0);

#[cfg(test)]
mod tests {
    use super::*;

    /// The fused epochs' check ([`Lanes::max_words`] of magnitudes) is at least the larger magnitude (to 2^-20 in
    /// f64, whose low words are compared apart), never twice it, NaN where either is NaN and not finite where
    /// either is infinite: so "within half the limit" can only say so when both are within the limit.
    #[test]
    fn the_words_maximum_of_magnitudes_bounds_both() {
        let mut v = vec![
            0.0,
            -0.0,
            1e-310,
            0.999,
            1.0,
            1.5,
            2.0,
            3.0,
            1e9,
            4.9e9,
            -5e9,
            1e10,
            3e300,
            f64::MAX,
        ];
        v.extend([f64::INFINITY, f64::NAN]);
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..400 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            // Magnitudes from 1e-12 to 1e12, either sign.
            let m = 10f64.powf((s >> 11) as f64 / (1u64 << 53) as f64 * 24.0 - 12.0);
            v.push(if s & 1 == 0 { m } else { -m });
        }
        fn bound<V: Lanes>(a: f64, b: f64) {
            let w = V::splat(a).abs().max_words(V::splat(b).abs());
            let (a, b) = (V::splat(a).lane(0).abs(), V::splat(b).lane(0).abs());
            for j in 0..V::N {
                let m = w.lane(j);
                if a.is_nan() || b.is_nan() {
                    assert!(m.is_nan(), "{a:e} {b:e}: {m:e}");
                } else if a.is_infinite() || b.is_infinite() {
                    assert!(!m.is_finite(), "{a:e} {b:e}: {m:e}");
                } else {
                    let big = a.max(b);
                    assert!(
                        m >= big * (1.0 - 2f64.powi(-20)) && m < 2.0 * big.max(f64::MIN_POSITIVE),
                        "{a:e} {b:e}: {m:e}"
                    );
                }
            }
        }
        for &a in &v {
            for &b in v.iter().step_by(7) {
                bound::<F64x4>(a, b);
                bound::<F32x8>(a, b);
            }
        }
    }

    /// The worst relative error of `exp` against libm at x, x + 0.013, x + 0.37 and x + 0.5 for x from `from`
    /// below 709.7 in steps of `step`, over the points `counts` keeps.
    fn worst_error(exp: fn(F64x4) -> F64x4, from: f64, step: f64, counts: impl Fn(f64, f64) -> bool) -> f64 {
        let mut worst = 0.0f64;
        let mut x = from;
        while x < 709.7 {
            let xs = [x, x + 0.013, x + 0.37, x + 0.5];
            for (g, x) in exp(F64x4::from(xs)).to_array().iter().zip(xs) {
                let want = x.exp();
                if counts(x, want) {
                    worst = worst.max((g - want).abs() / want);
                }
            }
            x += step;
        }
        worst
    }

    #[test]
    fn exp_is_accurate_everywhere_and_overflows_like_libm() {
        // Up to where e^x overflows early (see exp_f64x4).
        let worst = worst_error(exp_f64x4, -745.0, 0.731, |x, want| want > 1e-300 && x < 709.43);
        assert!(worst < 4e-16, "worst relative error {worst}");
        let edge = exp_f64x4(F64x4::from([800.0, -800.0, f64::NAN, 0.0])).to_array();
        assert_eq!(edge[0], f64::INFINITY);
        assert_eq!(edge[1], 0.0);
        assert!(edge[2].is_nan());
        assert_eq!(edge[3], 1.0);
        let edge = exp_f64x4(F64x4::from([709.79, -745.2, f64::NEG_INFINITY, 709.43])).to_array();
        assert_eq!(edge[0], f64::INFINITY);
        assert_eq!(edge[1], 0.0);
        assert_eq!(edge[2], 0.0);
        assert!((edge[3] - 709.43f64.exp()).abs() <= 4e-16 * 709.43f64.exp());
        // The documented ends: inf from 709.44 (not 709.78), 0 below about -708.7 (not subnormal).
        let ends = exp_f64x4(F64x4::from([709.45, -708.8, -708.3, 1e6])).to_array();
        assert_eq!(ends[0], f64::INFINITY);
        assert_eq!(ends[1], 0.0);
        assert!((ends[2] - (-708.3f64).exp()).abs() <= 4e-16 * (-708.3f64).exp());
        assert_eq!(ends[3], f64::INFINITY);
        // f32: the one-part ln 2 / 8 adds up to n 2.4e-10 to the error, so it grows with |x| (see exp_f32x8).
        let worst32 = |from: f64, to: f64| {
            (0..4000)
                .map(|k| {
                    let x = (from + (to - from) * k as f64 / 3999.0) as f32;
                    let got = exp_f32x8(F32x8::splat(x)).to_array()[0] as f64;
                    let want = (x as f64).exp();
                    (got - want).abs() / want
                })
                .fold(0.0f64, f64::max)
        };
        let (near, far) = (worst32(-20.0, 20.0), worst32(-87.3, 88.6));
        assert!(near < 2.9e-7, "f32 worst relative error on [-20, 20]: {near}");
        assert!(far < 4.7e-7, "f32 worst relative error on [-87.3, 88.6]: {far}");
        let edge32 = exp_f32x8(F32x8::from([
            100.0,
            -200.0,
            f32::NAN,
            0.0,
            -104.0,
            88.0,
            -87.0,
            f32::NEG_INFINITY,
        ]));
        let edge32 = edge32.to_array();
        assert_eq!(edge32[0], f32::INFINITY);
        assert_eq!(edge32[1], 0.0);
        assert!(edge32[2].is_nan());
        assert_eq!(edge32[3], 1.0);
        assert_eq!(edge32[4], 0.0);
        assert!((edge32[5] as f64 / (88.0f32 as f64).exp() - 1.0).abs() < 1e-6);
        assert!((edge32[6] as f64 - (-87.0f64).exp()).abs() < 1e-6 * (-87.0f64).exp());
        assert_eq!(edge32[7], 0.0);
        // The table exp's own ends (see exp_f32x8): accurate up to x = 88.68 and down to 2^-126, 0 below -87.98.
        let ends32 = exp_f32x8(F32x8::from([
            88.6,
            88.7,
            -87.3,
            -88.0,
            f32::INFINITY,
            -87.33,
            88.67,
            1.0,
        ]));
        let ends32 = ends32.to_array();
        let close = |got: f32, x: f32| (got as f64 / (x as f64).exp() - 1.0).abs() < 3e-7;
        assert!(close(ends32[0], 88.6) && close(ends32[2], -87.3), "{ends32:?}");
        assert!(
            close(ends32[5], -87.33) && close(ends32[6], 88.67) && close(ends32[7], 1.0),
            "{ends32:?}"
        );
        assert_eq!(ends32[1], f32::INFINITY);
        assert_eq!(ends32[3], 0.0);
        assert_eq!(ends32[4], f32::INFINITY);
        // Between, results under 2^-126: not accurate, but positive and under it.
        for x in [-87.35f32, -87.5, -87.7, -87.97] {
            let got = exp_f32x8(F32x8::splat(x)).to_array()[0];
            assert!(got > 0.0 && got < f32::MIN_POSITIVE, "e^{x} = {got:e}");
        }
    }

    #[test]
    fn the_table_exp_is_accurate_everywhere_and_ends_where_libm_does() {
        let worst = worst_error(exp_f64x4_table, -708.0, 0.000_731, |_, _| true);
        assert!(worst < 2.3e-16, "worst relative error {worst}");
        // The table: each entry the f64 nearest 2^(j/16) (within half a unit of libm's exp2).
        for (j, &e) in EXP_F64_TABLE.table.iter().enumerate() {
            let want = (j as f64 / 16.0).exp2();
            assert!((e - want).abs() <= 1.2e-16 * want, "entry {j}: {e} against {want}");
        }
        // libm's ends: finite up to 709.78 (f64::MAX), subnormal results to within one of their units, 0 below.
        let near_max = 709.782_712_89;
        let ends = exp_f64x4_table(F64x4::from([near_max, 709.783, -740.0, -745.2])).to_array();
        assert!(
            ends[0].is_finite() && (ends[0] / near_max.exp() - 1.0).abs() < 2.3e-16,
            "{ends:?}"
        );
        assert_eq!(ends[1], f64::INFINITY);
        assert!((ends[2] - (-740.0f64).exp()).abs() <= 5e-324, "{ends:?}");
        assert_eq!(ends[3], 0.0);
        let edge = exp_f64x4_table(F64x4::from([f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0])).to_array();
        assert!(edge[0].is_nan());
        assert_eq!(edge[1..], [f64::INFINITY, 0.0, 1.0]);
        for x in [-1e300, -800.0, -746.0, -745.14] {
            assert_eq!(exp_f64x4_table(F64x4::splat(x)).to_array(), [0.0; 4], "e^{x}");
        }
        for x in [1e300, 800.0, 710.0] {
            assert_eq!(exp_f64x4_table(F64x4::splat(x)).to_array(), [f64::INFINITY; 4], "e^{x}");
        }
        // Every subnormal result within one unit (4.9e-324) of libm's.
        let mut x = -745.1;
        while x < -708.3 {
            let got = exp_f64x4_table(F64x4::splat(x)).to_array()[0];
            assert!(
                (got - x.exp()).abs() <= 5e-324 || (got / x.exp() - 1.0).abs() < 2.3e-16,
                "e^{x} = {got:e}"
            );
            x += 0.0173;
        }
    }

    #[test]
    fn every_function_matches_the_scalar_one() {
        let xs = [0.3, -0.7, 1.9, 0.05];
        let v = F64x4::load(&xs);
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
            let out = v.call_out_of_line(f);
            for (i, &x) in xs.iter().enumerate() {
                let (a, b) = (out.lane(i), f.apply(x));
                // Lane by lane through libm for now: the same as the scalar function.
                assert!(
                    (a - b).abs() <= 1e-12 * b.abs().max(1.0) || (a.is_nan() && b.is_nan()),
                    "{f:?}({x}): {a} vs {b}"
                );
            }
        }
    }
}
