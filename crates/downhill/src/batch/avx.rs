//! Lane vectors as AVX registers, for the engine's AVX2-and-FMA compilation. [`F64x4`] and [`F32x8`] are
//! plain arrays that the compiler vectorises where it can; inside the engine's epochs it did so poorly (scalar
//! loads, shuffles and blends around every update: f32 gradient descent on peaks took 1.4-1.8 ns per
//! point-step against 0.95-1.0 with explicit vectors). These types hold `__m256d` and `__m256` and do every
//! operation with one AVX instruction, and compute exactly what the arrays compute (IEEE operations, fused
//! multiply-adds, `minpd`'s NaN rule, the same exps), so a run gives the same bits with either.
//!
//! Every function here is `inline(always)` and calls AVX intrinsics: they become single instructions only
//! inside functions compiled with `target_feature(enable = "avx2,fma")`, which is where the engine uses these
//! types, and only on CPUs that [`super::lanes::fast`] found to have AVX2 and FMA (elsewhere the engine runs
//! on the arrays). Called outside such a function they are still correct, as calls.

use std::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Neg, Sub};

use super::lanes::{split_horner, F32x8, F64x4, Lanes, EXP_F32, EXP_F64};
use super::Precision;
use super::{vmath, vmath32};
use crate::expr::Func;
use crate::optim::Real;

/// Four f64 lanes in an AVX register.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct A64x4(pub __m256d);

/// Eight f32 lanes in an AVX register.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct A32x8(pub __m256);

// The AVX register types and the arrays have the same size and alignment: registers of either kind are the
// same memory to the machine code.
const _: () = assert!(std::mem::size_of::<A64x4>() == 32 && std::mem::align_of::<A64x4>() == 32);
const _: () = assert!(std::mem::size_of::<A32x8>() == 32 && std::mem::align_of::<A32x8>() == 32);
const _: () = assert!(std::mem::align_of::<F64x4>() == 32 && std::mem::align_of::<F32x8>() == 32);

/// The operators of a register type, one intrinsic each (`0 - x` for negation, as the arrays and the machine
/// code negate): shared by the AVX types here and the AVX-512 ones (`avx512.rs`).
macro_rules! register_ops {
    ($t:ident, add: $add:ident, sub: $sub:ident, mul: $mul:ident, div: $div:ident, zero: $zero:ident) => {
        impl Add for $t {
            type Output = $t;
            #[inline(always)]
            fn add(self, o: $t) -> $t {
                // SAFETY: the CPU has the type's instruction set wherever it is used (module docs).
                $t(unsafe { $add(self.0, o.0) })
            }
        }
        impl Sub for $t {
            type Output = $t;
            #[inline(always)]
            fn sub(self, o: $t) -> $t {
                // SAFETY: as `add`.
                $t(unsafe { $sub(self.0, o.0) })
            }
        }
        impl Mul for $t {
            type Output = $t;
            #[inline(always)]
            fn mul(self, o: $t) -> $t {
                // SAFETY: as `add`.
                $t(unsafe { $mul(self.0, o.0) })
            }
        }
        impl Div for $t {
            type Output = $t;
            #[inline(always)]
            fn div(self, o: $t) -> $t {
                // SAFETY: as `add`.
                $t(unsafe { $div(self.0, o.0) })
            }
        }
        impl Neg for $t {
            type Output = $t;
            #[inline(always)]
            fn neg(self) -> $t {
                // SAFETY: as `add`.
                $t(unsafe { $sub($zero(), self.0) })
            }
        }
    };
}
pub(super) use register_ops;

/// [`Lanes`]' arithmetic methods for a register type, one intrinsic each (the powers by `vmath`'s roots or
/// `$pow`), inside its `impl Lanes`: shared by the AVX types here and the AVX-512 ones (`avx512.rs`).
macro_rules! register_arith {
    ($t:ident, sqrt: $sqrt:ident, min: $min:ident, fmadd: $fmadd:ident, fmsub: $fmsub:ident,
     fnmadd: $fnmadd:ident, fnmsub: $fnmsub:ident, pow: $pow:path) => {
        #[inline(always)]
        fn sqrt(self) -> Self {
            // SAFETY: the CPU has the type's instruction set (FMA included) wherever it is used (module docs).
            $t(unsafe { $sqrt(self.0) })
        }
        #[inline(always)]
        fn pow(self, e: Self) -> Self {
            $pow(self, e)
        }
        #[inline(always)]
        fn mul_add(self, m: Self, a: Self) -> Self {
            // SAFETY: as `sqrt`.
            $t(unsafe { $fmadd(self.0, m.0, a.0) })
        }
        #[inline(always)]
        fn mul_sub(self, m: Self, a: Self) -> Self {
            // SAFETY: as `sqrt`.
            $t(unsafe { $fmsub(self.0, m.0, a.0) })
        }
        #[inline(always)]
        fn neg_mul_add(self, m: Self, a: Self) -> Self {
            // SAFETY: as `sqrt`.
            $t(unsafe { $fnmadd(self.0, m.0, a.0) })
        }
        #[inline(always)]
        fn neg_mul_sub(self, m: Self, a: Self) -> Self {
            // SAFETY: as `sqrt`.
            $t(unsafe { $fnmsub(self.0, m.0, a.0) })
        }
        #[inline(always)]
        fn min(self, other: Self) -> Self {
            // `minp* self, other`: other's lane where either is NaN, as the arrays' `fast_min`.
            // SAFETY: as `sqrt`.
            $t(unsafe { $min(self.0, other.0) })
        }
    };
}
pub(super) use register_arith;

/// The lanes' element-wise operations, one macro for both widths: `$p` is the intrinsics' suffix.
macro_rules! avx_type {
    ($t:ident, $arr:ident, $s:ty, $n:expr, $prec:ident, $reg:ty,
     add: $add:ident, sub: $sub:ident, mul: $mul:ident, div: $div:ident, sqrt: $sqrt:ident,
     min: $min:ident, max: $max:ident, andnot: $andnot:ident, cmp: $cmp:ident,
     set1: $set1:ident, zero: $zero:ident, blendv: $blendv:ident, movemask: $movemask:ident,
     fmadd: $fmadd:ident, fmsub: $fmsub:ident, fnmadd: $fnmadd:ident, fnmsub: $fnmsub:ident,
     mask_of: $mask_of:expr, call: $call:path, pow: $pow:path) => {
        impl $t {
            /// The lanes as an array.
            #[inline(always)]
            pub fn to_array(self) -> $arr {
                // SAFETY: same size; every bit pattern is a valid float.
                unsafe { std::mem::transmute::<$reg, $arr>(self.0) }
            }
            /// Lanes from an array.
            #[inline(always)]
            pub fn from_array(a: $arr) -> $t {
                // SAFETY: same size; every bit pattern is a valid register.
                $t(unsafe { std::mem::transmute::<$arr, $reg>(a) })
            }
            #[inline(always)]
            fn splat_s(v: $s) -> $t {
                // SAFETY: `$set1` needs AVX, which the CPU has wherever these types are used (module docs).
                $t(unsafe { $set1(v) })
            }
            /// The lane mask (all ones where set) of a bit mask.
            #[inline(always)]
            fn lanes_of(mask: u32) -> $reg {
                // SAFETY: as `splat_s`.
                unsafe { $mask_of(mask) }
            }
            #[inline(always)]
            fn bits_of(v: $reg) -> u32 {
                // SAFETY: as `splat_s`.
                unsafe { $movemask(v) as u32 }
            }
        }

        register_ops!($t, add: $add, sub: $sub, mul: $mul, div: $div, zero: $zero);

        impl Lanes for $t {
            const N: usize = $n;
            const PRECISION: Precision = Precision::$prec;
            const AVX: bool = true;
            #[inline(always)]
            fn splat(v: f64) -> Self {
                <$t>::splat_s(v as $s)
            }
            #[inline(always)]
            fn load(v: &[f64]) -> Self {
                <$t>::from_array(<$arr as Lanes>::load(v))
            }
            #[inline(always)]
            fn lane(self, i: usize) -> f64 {
                self.to_array().0[i] as f64
            }
            register_arith!($t, sqrt: $sqrt, min: $min, fmadd: $fmadd, fmsub: $fmsub, fnmadd: $fnmadd,
                fnmsub: $fnmsub, pow: $pow);
            #[inline(always)]
            fn abs(self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $andnot($set1(-0.0), self.0) })
            }
            #[inline(always)]
            fn max_words(self, other: Self) -> Self {
                // SAFETY: as `splat_s` (`vpmaxud` is AVX2).
                unsafe {
                    let m = _mm256_max_epu32(std::mem::transmute::<$reg, __m256i>(self.0),
                        std::mem::transmute::<$reg, __m256i>(other.0));
                    $t(std::mem::transmute::<__m256i, $reg>(m))
                }
            }
            #[inline(always)]
            fn exp(self) -> Self {
                self.exp_native()
            }
            #[inline(always)]
            fn exp_table(self) -> Self {
                <$t>::from_array(Lanes::exp_table(self.to_array()))
            }
            #[inline(always)]
            fn call(self, f: Func) -> Self {
                match f {
                    Func::Exp => Lanes::exp(self),
                    Func::Abs => Lanes::abs(self),
                    _ => $call(self, f),
                }
            }
            #[inline(always)]
            fn within(self, limit: f64) -> u32 {
                let a = Lanes::abs(self);
                // A limit past the lane type's largest number (f64::MAX in f32) is that number: inf is not finite.
                let limit = (limit as $s).min(<$s>::MAX);
                // SAFETY: as `splat_s`.
                <$t>::bits_of(unsafe { $cmp::<_CMP_LE_OQ>(a.0, $set1(limit)) })
            }
            #[inline(always)]
            fn le(self, other: Self) -> u32 {
                // SAFETY: as `splat_s`.
                <$t>::bits_of(unsafe { $cmp::<_CMP_LE_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            fn select(self, mask: u32, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $blendv(other.0, self.0, <$t>::lanes_of(mask)) })
            }
            #[inline(always)]
            fn max_num(self, other: Self) -> Self {
                Real::max(self, other)
            }
            #[inline(always)]
            fn mask_gt(self, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $cmp::<_CMP_GT_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            fn mask_ge(self, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $cmp::<_CMP_GE_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            fn blend(self, a: Self, b: Self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $blendv(b.0, a.0, self.0) })
            }
        }

        impl Real for $t {
            type Mask = u32;
            #[inline(always)]
            fn splat(v: f64) -> Self {
                <$t>::splat_s(v as $s)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                Lanes::sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                Lanes::abs(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                // IEEE maxNum, as `f64::max`: `maxp* other, self` gives self where either is NaN, right
                // where other is NaN; where self is NaN, other.
                // SAFETY: as `splat_s`.
                unsafe {
                    let m = $max(other.0, self.0);
                    let self_nan = $cmp::<_CMP_UNORD_Q>(self.0, self.0);
                    $t($blendv(m, other.0, self_nan))
                }
            }
            #[inline(always)]
            fn gt(self, other: Self) -> u32 {
                // SAFETY: as `splat_s`.
                <$t>::bits_of(unsafe { $cmp::<_CMP_GT_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            fn ge(self, other: Self) -> u32 {
                // SAFETY: as `splat_s`.
                <$t>::bits_of(unsafe { $cmp::<_CMP_GE_OQ>(self.0, other.0) })
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

impl A64x4 {
    /// [`super::lanes::exp_f64x4`] in AVX instructions, step for step (the same bits).
    #[inline(always)]
    fn exp_native(self) -> A64x4 {
        let c = &EXP_F64;
        let k = <A64x4 as Lanes>::splat;
        // SAFETY: AVX2 and FMA, as everywhere in this module.
        unsafe {
            let xc = _mm256_min_pd(k(c.clamp.1).0, _mm256_max_pd(k(c.clamp.0).0, self.0));
            let t = A64x4(_mm256_fmadd_pd(xc, k(c.log2e).0, k(c.magic).0));
            let n = t - k(c.magic);
            let mut r = n.neg_mul_add(k(c.ln2.0), A64x4(xc));
            if c.ln2.1 != 0.0 {
                r = n.neg_mul_add(k(c.ln2.1), r);
            }
            let p = split_horner(c.poly, r);
            let bits = _mm256_add_epi64(_mm256_castpd_si256(t.0), _mm256_set1_epi64x(c.bias as i64));
            let scale = _mm256_sll_epi64(bits, _mm_cvtsi32_si128(c.shift as i32));
            p * A64x4(_mm256_castsi256_pd(scale))
        }
    }
}

impl A32x8 {
    /// [`super::lanes::exp_f32x8`] in AVX instructions, step for step (the same bits), the table entry picked
    /// by `vpermd` as the machine code does.
    #[inline(always)]
    fn exp_native(self) -> A32x8 {
        let c = &EXP_F32;
        let k = <A32x8 as Lanes>::splat;
        // SAFETY: AVX2 and FMA, as everywhere in this module.
        unsafe {
            let xc = _mm256_min_ps(k(c.clamp.1.into()).0, _mm256_max_ps(k(c.clamp.0.into()).0, self.0));
            let t = A32x8(_mm256_fmadd_ps(xc, k(c.log2e.into()).0, k(c.magic.into()).0));
            let n = t - k(c.magic.into());
            let mut r = n.neg_mul_add(k(c.ln2.0.into()), A32x8(xc));
            if c.ln2.1 != 0.0 {
                r = n.neg_mul_add(k(c.ln2.1.into()), r);
            }
            let [c3, c2, _, c0] = *c.poly else {
                unreachable!("a cubic")
            };
            let p = r.mul_add(k(c3.into()), k(c2.into())).mul_add(r * r, r + k(c0.into()));
            let bits = _mm256_castps_si256(t.0);
            let table = _mm256_loadu_si256(c.table.as_ptr() as *const __m256i);
            let entry = _mm256_permutevar8x32_epi32(table, bits);
            let shifted = _mm256_sll_epi32(bits, _mm_cvtsi32_si128((c.shift - c.table_bits) as i32));
            p * A32x8(_mm256_castsi256_ps(_mm256_add_epi32(entry, shifted)))
        }
    }
}

impl vmath::Widen for A32x8 {
    type Wide = A64x4;
    #[inline(always)]
    fn widen(self) -> (A64x4, A64x4) {
        // SAFETY: AVX, as everywhere in this module.
        unsafe {
            (
                A64x4(_mm256_cvtps_pd(_mm256_castps256_ps128(self.0))),
                A64x4(_mm256_cvtps_pd(_mm256_extractf128_ps::<1>(self.0))),
            )
        }
    }
    #[inline(always)]
    fn narrow(lo: A64x4, hi: A64x4) -> A32x8 {
        // SAFETY: AVX, as everywhere in this module.
        unsafe { A32x8(_mm256_set_m128(_mm256_cvtpd_ps(hi.0), _mm256_cvtpd_ps(lo.0))) }
    }
}

impl vmath::F64Lanes for A64x4 {
    #[inline(always)]
    fn split_exponent(self) -> (A64x4, A64x4) {
        // SAFETY: AVX2, as everywhere in this module.
        unsafe {
            let b = _mm256_castpd_si256(self.0);
            let m = _mm256_or_si256(
                _mm256_and_si256(b, _mm256_set1_epi64x(0x000f_ffff_ffff_ffff)),
                _mm256_set1_epi64x(0x3ff0_0000_0000_0000),
            );
            let e = _mm256_or_si256(
                _mm256_and_si256(_mm256_srli_epi64::<52>(b), _mm256_set1_epi64x(0x7ff)),
                _mm256_set1_epi64x(0x4330_0000_0000_0000),
            );
            (
                A64x4(_mm256_castsi256_pd(m)),
                A64x4(_mm256_castsi256_pd(e)) - <A64x4 as Lanes>::splat(4_503_599_627_371_519.0),
            )
        }
    }
    #[inline(always)]
    fn copysign(self, sign: A64x4) -> A64x4 {
        // SAFETY: AVX, as everywhere in this module.
        unsafe {
            let m = _mm256_set1_pd(-0.0);
            A64x4(_mm256_or_pd(_mm256_andnot_pd(m, self.0), _mm256_and_pd(m, sign.0)))
        }
    }
}

impl vmath32::F32Lanes for A32x8 {
    #[inline(always)]
    fn split_exponent(self) -> (A32x8, A32x8) {
        // SAFETY: AVX2, as everywhere in this module.
        unsafe {
            let b = _mm256_castps_si256(self.0);
            let m = _mm256_or_si256(
                _mm256_and_si256(b, _mm256_set1_epi32(0x007f_ffff)),
                _mm256_set1_epi32(0x3f80_0000),
            );
            let e = _mm256_or_si256(
                _mm256_and_si256(_mm256_srli_epi32::<23>(b), _mm256_set1_epi32(0xff)),
                _mm256_set1_epi32(0x4b00_0000),
            );
            (
                A32x8(_mm256_castsi256_ps(m)),
                A32x8(_mm256_sub_ps(_mm256_castsi256_ps(e), _mm256_set1_ps(8_388_735.0))),
            )
        }
    }
    #[inline(always)]
    fn copysign(self, sign: A32x8) -> A32x8 {
        // SAFETY: AVX, as everywhere in this module.
        unsafe {
            let m = _mm256_set1_ps(-0.0);
            A32x8(_mm256_or_ps(_mm256_andnot_ps(m, self.0), _mm256_and_ps(m, sign.0)))
        }
    }
}

/// All ones in lane i where bit i of `mask` is set (f64 lanes).
#[inline(always)]
unsafe fn mask_f64(mask: u32) -> __m256d {
    let bits = _mm256_set_epi64x(8, 4, 2, 1);
    let m = _mm256_and_si256(_mm256_set1_epi64x(i64::from(mask)), bits);
    _mm256_castsi256_pd(_mm256_cmpeq_epi64(m, bits))
}

/// All ones in lane i where bit i of `mask` is set (f32 lanes).
#[inline(always)]
unsafe fn mask_f32(mask: u32) -> __m256 {
    let bits = _mm256_set_epi32(128, 64, 32, 16, 8, 4, 2, 1);
    let m = _mm256_and_si256(_mm256_set1_epi32(mask as i32), bits);
    _mm256_castsi256_ps(_mm256_cmpeq_epi32(m, bits))
}

avx_type!(A64x4, F64x4, f64, 4, F64, __m256d,
    add: _mm256_add_pd, sub: _mm256_sub_pd, mul: _mm256_mul_pd, div: _mm256_div_pd, sqrt: _mm256_sqrt_pd,
    min: _mm256_min_pd, max: _mm256_max_pd, andnot: _mm256_andnot_pd, cmp: _mm256_cmp_pd,
    set1: _mm256_set1_pd, zero: _mm256_setzero_pd, blendv: _mm256_blendv_pd, movemask: _mm256_movemask_pd,
    fmadd: _mm256_fmadd_pd, fmsub: _mm256_fmsub_pd, fnmadd: _mm256_fnmadd_pd, fnmsub: _mm256_fnmsub_pd,
    mask_of: mask_f64, call: vmath::call, pow: vmath::pow);
avx_type!(A32x8, F32x8, f32, 8, F32, __m256,
    add: _mm256_add_ps, sub: _mm256_sub_ps, mul: _mm256_mul_ps, div: _mm256_div_ps, sqrt: _mm256_sqrt_ps,
    min: _mm256_min_ps, max: _mm256_max_ps, andnot: _mm256_andnot_ps, cmp: _mm256_cmp_ps,
    set1: _mm256_set1_ps, zero: _mm256_setzero_ps, blendv: _mm256_blendv_ps, movemask: _mm256_movemask_ps,
    fmadd: _mm256_fmadd_ps, fmsub: _mm256_fmsub_ps, fnmadd: _mm256_fnmadd_ps, fnmsub: _mm256_fnmsub_ps,
    mask_of: mask_f32, call: vmath32::call, pow: vmath::pow_widened);

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that find the edges: signed zeros, infinities, NaN, subnormals, the limits, and ordinary numbers.
    fn values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -2.5,
            3.0,
            1e-310,
            -1e-310,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            -f64::NAN,
            1e10,
            -1e10,
            1e-8,
            700.0,
            -700.0,
            88.0,
            -87.5,
        ];
        let mut s = 0x2545f4914f6cdd1du64;
        for _ in 0..200 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            v.push(((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 20.0);
        }
        v
    }

    fn same<V: Lanes + std::fmt::Debug>(what: &str, a: V, b: impl Lanes, inputs: &[f64]) {
        for j in 0..V::N {
            let (x, y) = (a.lane(j), b.lane(j));
            assert!(
                x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan()),
                "{what}: lane {j} of {inputs:?}: {x:?} (AVX) against {y:?} (arrays)"
            );
        }
    }

    /// Every operation of the AVX types gives the arrays' bits, lane by lane, on edge values.
    fn check<A: Lanes + Real<Mask = u32> + std::fmt::Debug, P: Lanes + Real<Mask = u32>>() {
        let v = values();
        let n = A::N;
        for i in 0..v.len() {
            let pick = |shift: usize| -> Vec<f64> { (0..n).map(|j| v[(i + shift * 7 + j * 3) % v.len()]).collect() };
            let (xs, ys, zs) = (pick(0), pick(1), pick(2));
            let (a, b, c) = (A::load(&xs), A::load(&ys), A::load(&zs));
            let (p, q, r) = (P::load(&xs), P::load(&ys), P::load(&zs));
            let all = [xs.clone(), ys.clone(), zs.clone()].concat();
            same("add", a + b, p + q, &all);
            same("sub", a - b, p - q, &all);
            same("mul", a * b, p * q, &all);
            same("div", a / b, p / q, &all);
            same("neg", -a, -p, &all);
            same("sqrt", Lanes::sqrt(a), Lanes::sqrt(p), &all);
            same("abs", Lanes::abs(a), Lanes::abs(p), &all);
            same("min", Lanes::min(a, b), Lanes::min(p, q), &all);
            same("max_words", a.max_words(b), p.max_words(q), &all);
            same("max", Real::max(a, b), Real::max(p, q), &all);
            same("mul_add", a.mul_add(b, c), p.mul_add(q, r), &all);
            same("mul_sub", a.mul_sub(b, c), p.mul_sub(q, r), &all);
            same("neg_mul_add", a.neg_mul_add(b, c), p.neg_mul_add(q, r), &all);
            same("neg_mul_sub", a.neg_mul_sub(b, c), p.neg_mul_sub(q, r), &all);
            same("exp", Lanes::exp(a), Lanes::exp(p), &all);
            same("exp_table", a.exp_table(), p.exp_table(), &all);
            same("powf", a.powf(1.5), p.powf(1.5), &all);
            same("pow", a.pow(b), p.pow(q), &all);
            for (f, _) in Func::ALL {
                same("call", a.call(f), p.call(f), &all);
            }
            assert_eq!(a.within(1e10), p.within(1e10), "within {all:?}");
            assert_eq!(Lanes::le(a, b), Lanes::le(p, q), "le {all:?}");
            assert_eq!(Real::gt(a, b), Real::gt(p, q), "gt {all:?}");
            assert_eq!(Real::ge(a, b), Real::ge(p, q), "ge {all:?}");
            let mask = (i as u32).wrapping_mul(2654435761) & ((1u32 << n) - 1);
            same("select", Lanes::select(a, mask, b), Lanes::select(p, mask, q), &all);
            same("splat", <A as Lanes>::splat(xs[0]), <P as Lanes>::splat(xs[0]), &all);
        }
    }

    #[test]
    fn avx_lanes_compute_what_the_arrays_compute() {
        if !super::super::lanes::fast() {
            eprintln!("this CPU has no AVX2 and FMA: the AVX lane types are not used here");
            return;
        }
        /// The checks compiled for AVX2 with FMA, as the engine uses these types.
        #[target_feature(enable = "avx2,fma")]
        unsafe fn checks() {
            check::<A64x4, F64x4>();
            check::<A32x8, F32x8>();
        }
        // SAFETY: checked by `fast` above.
        unsafe { checks() };
    }
}
