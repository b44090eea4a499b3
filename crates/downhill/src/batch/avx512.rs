//! Lane vectors as AVX-512 registers, for the vector functions that AVX-512 machine code calls ([`A64x8`]: two
//! of the block's f64 vectors in one `zmm` register, [`A32x16`]: two f32 vectors). The functions of `vmath.rs`
//! and `vmath32.rs` are written once over [`Lanes`]; on these types they run on 8 f64 or 16 f32 lanes per
//! instruction instead of the 4 or 8 of [`super::avx`]'s types, and compute exactly what those and the arrays
//! compute (IEEE operations, fused multiply-adds, `vminpd`'s NaN rule, the same exps), lane by lane.
//!
//! Only AVX-512 Foundation instructions: the machine code's own requirement ([`super::jit`]'s `cpu_has`). Every
//! function here is `inline(always)`; they become single instructions inside functions compiled with
//! `target_feature(enable = "avx512f,avx2,fma")`, which is where they are used ([`super::program`]'s
//! `functions_avx512`), and only on CPUs with AVX-512 F.

use std::arch::x86_64::*;
use std::ops::{Add, Div, Mul, Neg, Sub};

use super::avx::{register_arith, register_ops};
use super::lanes::{split_horner, F32x8, F64x4, Lanes, EXP_F32, EXP_F64};
use super::Precision;
use super::{vmath, vmath32};
use crate::expr::Func;

/// Eight f64 lanes in an AVX-512 register: two of the block's f64 vectors.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct A64x8(pub __m512d);

/// Sixteen f32 lanes in an AVX-512 register: two of the block's f32 vectors.
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct A32x16(pub __m512);

const _: () = assert!(std::mem::size_of::<A64x8>() == 64 && std::mem::size_of::<A32x16>() == 64);

/// The lanes' element-wise operations, one macro for both widths. AVX-512 compares give bit masks (`k`
/// registers), which are [`Lanes`]' masks as they are.
macro_rules! avx512_type {
    ($t:ident, $s:ty, $n:expr, $prec:ident, $reg:ty, $kmask:ty, $half:ident,
     add: $add:ident, sub: $sub:ident, mul: $mul:ident, div: $div:ident, sqrt: $sqrt:ident,
     min: $min:ident, max: $max:ident, cmp: $cmp:ident, set1: $set1:ident, zero: $zero:ident,
     blend: $blend:ident, int_set1: $iset1:ident, int_lt: $ilt:ident,
     to_int: $toi:ident, from_int: $fromi:ident,
     fmadd: $fmadd:ident, fmsub: $fmsub:ident, fnmadd: $fnmadd:ident, fnmsub: $fnmsub:ident,
     call: $call:path, pow: $pow:path) => {
        impl $t {
            /// The lanes as an array.
            #[inline(always)]
            pub fn to_array(self) -> [$s; $n] {
                // SAFETY: same size; every bit pattern is a valid float.
                unsafe { std::mem::transmute::<$reg, [$s; $n]>(self.0) }
            }
            /// Lanes from an array.
            #[inline(always)]
            pub fn from_array(a: [$s; $n]) -> $t {
                // SAFETY: same size; every bit pattern is a valid register.
                $t(unsafe { std::mem::transmute::<[$s; $n], $reg>(a) })
            }
            /// The two vectors of the block's type that this register holds (lanes 0.. and N/2..).
            #[inline(always)]
            pub fn halves(self) -> ($half, $half) {
                let a = self.to_array();
                let h = $n / 2;
                (
                    $half(std::array::from_fn(|i| a[i])),
                    $half(std::array::from_fn(|i| a[h + i])),
                )
            }
            /// A register from two vectors of the block's type.
            #[inline(always)]
            pub fn from_halves(lo: $half, hi: $half) -> $t {
                let h = $n / 2;
                <$t>::from_array(std::array::from_fn(|i| if i < h { lo.0[i] } else { hi.0[i - h] }))
            }
            #[inline(always)]
            fn splat_s(v: $s) -> $t {
                // SAFETY: `$set1` needs AVX-512 F, which the CPU has wherever these types are used (module docs).
                $t(unsafe { $set1(v) })
            }
            /// All ones in the lanes of `k`.
            #[inline(always)]
            fn lanes_of(k: u32) -> $t {
                // SAFETY: as `splat_s`.
                $t(unsafe { $fromi($iset1(k as $kmask, -1)) })
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
                let mut a = [0 as $s; $n];
                for (o, x) in a.iter_mut().zip(v) {
                    *o = *x as $s;
                }
                <$t>::from_array(a)
            }
            #[inline(always)]
            fn lane(self, i: usize) -> f64 {
                self.to_array()[i] as f64
            }
            register_arith!($t, sqrt: $sqrt, min: $min, fmadd: $fmadd, fmsub: $fmsub, fnmadd: $fnmadd,
                fnmsub: $fnmsub, pow: $pow);
            #[inline(always)]
            fn abs(self) -> Self {
                // The sign bit cleared with an integer `and` (AVX-512 F has no floating-point one).
                // SAFETY: as `splat_s`.
                unsafe {
                    let sign = $toi($set1(-0.0));
                    $t($fromi(_mm512_andnot_si512(sign, $toi(self.0))))
                }
            }
            #[inline(always)]
            fn max_words(self, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $fromi(_mm512_max_epu32($toi(self.0), $toi(other.0))) })
            }
            #[inline(always)]
            fn exp(self) -> Self {
                self.exp_native()
            }
            #[inline(always)]
            fn exp_table(self) -> Self {
                let (lo, hi) = self.halves();
                <$t>::from_halves(Lanes::exp_table(lo), Lanes::exp_table(hi))
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
                u32::from(unsafe { $cmp::<_CMP_LE_OQ>(a.0, $set1(limit)) })
            }
            #[inline(always)]
            fn le(self, other: Self) -> u32 {
                // SAFETY: as `splat_s`.
                u32::from(unsafe { $cmp::<_CMP_LE_OQ>(self.0, other.0) })
            }
            #[inline(always)]
            fn select(self, mask: u32, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                $t(unsafe { $blend(mask as $kmask, other.0, self.0) })
            }
            #[inline(always)]
            fn max_num(self, other: Self) -> Self {
                // IEEE maxNum, as `f64::max`: `vmaxp* other, self` gives self where either is NaN, right where
                // other is NaN; where self is NaN, other.
                // SAFETY: as `splat_s`.
                unsafe {
                    let m = $max(other.0, self.0);
                    let self_nan = $cmp::<_CMP_UNORD_Q>(self.0, self.0);
                    $t($blend(self_nan, m, other.0))
                }
            }
            #[inline(always)]
            fn mask_gt(self, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                <$t>::lanes_of(u32::from(unsafe { $cmp::<_CMP_GT_OQ>(self.0, other.0) }))
            }
            #[inline(always)]
            fn mask_ge(self, other: Self) -> Self {
                // SAFETY: as `splat_s`.
                <$t>::lanes_of(u32::from(unsafe { $cmp::<_CMP_GE_OQ>(self.0, other.0) }))
            }
            #[inline(always)]
            fn blend(self, a: Self, b: Self) -> Self {
                // `vblendvp*`'s rule: a where the mask lane's sign bit is set.
                // SAFETY: as `splat_s`.
                unsafe {
                    let k = $ilt($toi(self.0), _mm512_setzero_si512());
                    $t($blend(k, b.0, a.0))
                }
            }
        }
    };
}

/// An integer compare whose mask is the sign bit's (lanes below 0 as signed integers).
macro_rules! sign_mask {
    ($name:ident, $kmask:ty, $cmp:ident) => {
        #[inline(always)]
        unsafe fn $name(a: __m512i, b: __m512i) -> $kmask {
            $cmp(a, b)
        }
    };
}
sign_mask!(lt_epi64, __mmask8, _mm512_cmplt_epi64_mask);
sign_mask!(lt_epi32, __mmask16, _mm512_cmplt_epi32_mask);

impl A64x8 {
    /// [`super::lanes::exp_f64x4`] in AVX-512 instructions, step for step (the same bits).
    #[inline(always)]
    fn exp_native(self) -> A64x8 {
        let c = &EXP_F64;
        let k = <A64x8 as Lanes>::splat;
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let xc = _mm512_min_pd(k(c.clamp.1).0, _mm512_max_pd(k(c.clamp.0).0, self.0));
            let t = A64x8(_mm512_fmadd_pd(xc, k(c.log2e).0, k(c.magic).0));
            let n = t - k(c.magic);
            let mut r = n.neg_mul_add(k(c.ln2.0), A64x8(xc));
            if c.ln2.1 != 0.0 {
                r = n.neg_mul_add(k(c.ln2.1), r);
            }
            let p = split_horner(c.poly, r);
            let bits = _mm512_add_epi64(_mm512_castpd_si512(t.0), _mm512_set1_epi64(c.bias as i64));
            let scale = _mm512_sll_epi64(bits, _mm_cvtsi32_si128(c.shift as i32));
            p * A64x8(_mm512_castsi512_pd(scale))
        }
    }
}

/// [`EXP_F32`]'s table twice: `vpermd` on 16 lanes reads an index's low four bits, of which the table's three
/// are the low ones.
const EXP_F32_TABLE16: [u32; 16] = {
    let mut out = [0; 16];
    let mut j = 0;
    while j < 16 {
        out[j] = EXP_F32.table[j % 8];
        j += 1;
    }
    out
};

impl A32x16 {
    /// [`super::lanes::exp_f32x8`] in AVX-512 instructions, step for step (the same bits).
    #[inline(always)]
    fn exp_native(self) -> A32x16 {
        let c = &EXP_F32;
        let k = <A32x16 as Lanes>::splat;
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let xc = _mm512_min_ps(k(c.clamp.1.into()).0, _mm512_max_ps(k(c.clamp.0.into()).0, self.0));
            let t = A32x16(_mm512_fmadd_ps(xc, k(c.log2e.into()).0, k(c.magic.into()).0));
            let n = t - k(c.magic.into());
            let mut r = n.neg_mul_add(k(c.ln2.0.into()), A32x16(xc));
            if c.ln2.1 != 0.0 {
                r = n.neg_mul_add(k(c.ln2.1.into()), r);
            }
            let [c3, c2, _, c0] = *c.poly else {
                unreachable!("a cubic")
            };
            let p = r.mul_add(k(c3.into()), k(c2.into())).mul_add(r * r, r + k(c0.into()));
            let bits = _mm512_castps_si512(t.0);
            let table = _mm512_loadu_si512(EXP_F32_TABLE16.as_ptr() as *const __m512i);
            let entry = _mm512_permutexvar_epi32(bits, table);
            let shifted = _mm512_sll_epi32(bits, _mm_cvtsi32_si128((c.shift - c.table_bits) as i32));
            p * A32x16(_mm512_castsi512_ps(_mm512_add_epi32(entry, shifted)))
        }
    }
}

impl vmath::Widen for A32x16 {
    type Wide = A64x8;
    #[inline(always)]
    fn widen(self) -> (A64x8, A64x8) {
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let hi = _mm256_castpd_ps(_mm512_extractf64x4_pd::<1>(_mm512_castps_pd(self.0)));
            (
                A64x8(_mm512_cvtps_pd(_mm512_castps512_ps256(self.0))),
                A64x8(_mm512_cvtps_pd(hi)),
            )
        }
    }
    #[inline(always)]
    fn narrow(lo: A64x8, hi: A64x8) -> A32x16 {
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let (lo, hi) = (_mm512_cvtpd_ps(lo.0), _mm512_cvtpd_ps(hi.0));
            let both = _mm512_insertf64x4::<1>(_mm512_castpd256_pd512(_mm256_castps_pd(lo)), _mm256_castps_pd(hi));
            A32x16(_mm512_castpd_ps(both))
        }
    }
}

impl vmath::F64Lanes for A64x8 {
    #[inline(always)]
    fn split_exponent(self) -> (A64x8, A64x8) {
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let b = _mm512_castpd_si512(self.0);
            let m = _mm512_or_si512(
                _mm512_and_si512(b, _mm512_set1_epi64(0x000f_ffff_ffff_ffff)),
                _mm512_set1_epi64(0x3ff0_0000_0000_0000),
            );
            let e = _mm512_or_si512(
                _mm512_and_si512(_mm512_srli_epi64::<52>(b), _mm512_set1_epi64(0x7ff)),
                _mm512_set1_epi64(0x4330_0000_0000_0000),
            );
            (
                A64x8(_mm512_castsi512_pd(m)),
                A64x8(_mm512_castsi512_pd(e)) - <A64x8 as Lanes>::splat(4_503_599_627_371_519.0),
            )
        }
    }
    #[inline(always)]
    fn copysign(self, sign: A64x8) -> A64x8 {
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let m = _mm512_set1_epi64(i64::MIN);
            let (v, s) = (_mm512_castpd_si512(self.0), _mm512_castpd_si512(sign.0));
            A64x8(_mm512_castsi512_pd(_mm512_or_si512(
                _mm512_andnot_si512(m, v),
                _mm512_and_si512(m, s),
            )))
        }
    }
}

impl vmath32::F32Lanes for A32x16 {
    #[inline(always)]
    fn split_exponent(self) -> (A32x16, A32x16) {
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let b = _mm512_castps_si512(self.0);
            let m = _mm512_or_si512(
                _mm512_and_si512(b, _mm512_set1_epi32(0x007f_ffff)),
                _mm512_set1_epi32(0x3f80_0000),
            );
            let e = _mm512_or_si512(
                _mm512_and_si512(_mm512_srli_epi32::<23>(b), _mm512_set1_epi32(0xff)),
                _mm512_set1_epi32(0x4b00_0000),
            );
            (
                A32x16(_mm512_castsi512_ps(m)),
                A32x16(_mm512_sub_ps(_mm512_castsi512_ps(e), _mm512_set1_ps(8_388_735.0))),
            )
        }
    }
    #[inline(always)]
    fn copysign(self, sign: A32x16) -> A32x16 {
        // SAFETY: AVX-512 F, as everywhere in this module.
        unsafe {
            let m = _mm512_set1_epi32(i32::MIN);
            let (v, s) = (_mm512_castps_si512(self.0), _mm512_castps_si512(sign.0));
            A32x16(_mm512_castsi512_ps(_mm512_or_si512(
                _mm512_andnot_si512(m, v),
                _mm512_and_si512(m, s),
            )))
        }
    }
}

avx512_type!(A64x8, f64, 8, F64, __m512d, __mmask8, F64x4,
    add: _mm512_add_pd, sub: _mm512_sub_pd, mul: _mm512_mul_pd, div: _mm512_div_pd, sqrt: _mm512_sqrt_pd,
    min: _mm512_min_pd, max: _mm512_max_pd, cmp: _mm512_cmp_pd_mask, set1: _mm512_set1_pd,
    zero: _mm512_setzero_pd, blend: _mm512_mask_blend_pd, int_set1: _mm512_maskz_set1_epi64,
    int_lt: lt_epi64, to_int: _mm512_castpd_si512, from_int: _mm512_castsi512_pd,
    fmadd: _mm512_fmadd_pd, fmsub: _mm512_fmsub_pd, fnmadd: _mm512_fnmadd_pd, fnmsub: _mm512_fnmsub_pd,
    call: vmath::call, pow: vmath::pow);
avx512_type!(A32x16, f32, 16, F32, __m512, __mmask16, F32x8,
    add: _mm512_add_ps, sub: _mm512_sub_ps, mul: _mm512_mul_ps, div: _mm512_div_ps, sqrt: _mm512_sqrt_ps,
    min: _mm512_min_ps, max: _mm512_max_ps, cmp: _mm512_cmp_ps_mask, set1: _mm512_set1_ps,
    zero: _mm512_setzero_ps, blend: _mm512_mask_blend_ps, int_set1: _mm512_maskz_set1_epi32,
    int_lt: lt_epi32, to_int: _mm512_castps_si512, from_int: _mm512_castsi512_ps,
    fmadd: _mm512_fmadd_ps, fmsub: _mm512_fmsub_ps, fnmadd: _mm512_fnmadd_ps, fnmsub: _mm512_fnmsub_ps,
    call: vmath32::call, pow: vmath::pow_widened);

#[cfg(test)]
mod tests {
    use super::*;

    /// Values that find the edges (signed zeros, infinities, NaN, subnormals, the limits) and each function's
    /// ranges (beyond sin's reduction limit, exp's clamps, asin's domain), then pseudo-random numbers.
    fn values() -> Vec<f64> {
        let mut v = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.5,
            -0.5,
            0.999,
            -1.0001,
            -2.5,
            3.0,
            1e-310,
            -1e-310,
            1e-40,
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
            1e7,
            1e-8,
            700.0,
            -700.0,
            710.5,
            -745.5,
            88.0,
            -87.5,
            89.0,
            -104.0,
            20.0,
            -0.3,
            0.25,
        ];
        let mut s = 0x2545f4914f6cdd1du64;
        for i in 0..400 {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            let u = (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
            v.push(if i % 4 == 0 { u * 2.0 } else { u * 40.0 });
        }
        v
    }

    /// Lane `j` of the wide result is lane `j % N` of the half `j / N` computed on the block's type.
    fn same<W: Lanes, H: Lanes>(what: &str, w: W, lo: H, hi: H, inputs: &[f64]) {
        for j in 0..W::N {
            let h = if j < H::N { lo.lane(j) } else { hi.lane(j - H::N) };
            let x = w.lane(j);
            assert!(
                x.to_bits() == h.to_bits() || (x.is_nan() && h.is_nan()),
                "{what}: lane {j} of {inputs:?}: {x:?} (AVX-512) against {h:?} (half vectors)"
            );
        }
    }

    /// Every operation of an AVX-512 type gives, lane by lane, the bits of the same operation on the two
    /// half-width vectors it holds (the arrays). The functions and powers are checked through the routines the
    /// machine code calls (`functions_pairs`, below), not here: inlined into this function, every function of the
    /// grammar for both types made the test's build take several times as long.
    fn check<W: Lanes, H: Lanes>() {
        let v = values();
        let n = W::N;
        for i in 0..v.len() {
            let pick = |shift: usize| -> Vec<f64> { (0..n).map(|j| v[(i + shift * 7 + j * 3) % v.len()]).collect() };
            let (xs, ys, zs) = (pick(0), pick(1), pick(2));
            let (a, b, c) = (W::load(&xs), W::load(&ys), W::load(&zs));
            let h = n / 2;
            let halves = |s: &[f64]| (H::load(&s[..h]), H::load(&s[h..]));
            let ((p0, p1), (q0, q1), (r0, r1)) = (halves(&xs), halves(&ys), halves(&zs));
            let all = [xs.clone(), ys.clone(), zs.clone()].concat();
            same("add", a + b, p0 + q0, p1 + q1, &all);
            same("sub", a - b, p0 - q0, p1 - q1, &all);
            same("mul", a * b, p0 * q0, p1 * q1, &all);
            same("div", a / b, p0 / q0, p1 / q1, &all);
            same("neg", -a, -p0, -p1, &all);
            same("sqrt", a.sqrt(), p0.sqrt(), p1.sqrt(), &all);
            same("abs", a.abs(), p0.abs(), p1.abs(), &all);
            same("min", a.min(b), p0.min(q0), p1.min(q1), &all);
            same("max_words", a.max_words(b), p0.max_words(q0), p1.max_words(q1), &all);
            same("max_num", a.max_num(b), p0.max_num(q0), p1.max_num(q1), &all);
            same("mul_add", a.mul_add(b, c), p0.mul_add(q0, r0), p1.mul_add(q1, r1), &all);
            same("mul_sub", a.mul_sub(b, c), p0.mul_sub(q0, r0), p1.mul_sub(q1, r1), &all);
            same(
                "neg_mul_add",
                a.neg_mul_add(b, c),
                p0.neg_mul_add(q0, r0),
                p1.neg_mul_add(q1, r1),
                &all,
            );
            same(
                "neg_mul_sub",
                a.neg_mul_sub(b, c),
                p0.neg_mul_sub(q0, r0),
                p1.neg_mul_sub(q1, r1),
                &all,
            );
            same("exp", a.exp(), p0.exp(), p1.exp(), &all);
            same("exp_table", a.exp_table(), p0.exp_table(), p1.exp_table(), &all);
            let bits = |lo: u32, hi: u32| lo | hi << h;
            assert_eq!(a.within(1e10), bits(p0.within(1e10), p1.within(1e10)), "within {all:?}");
            assert_eq!(a.le(b), bits(p0.le(q0), p1.le(q1)), "le {all:?}");
            same("mask_gt", a.mask_gt(b), p0.mask_gt(q0), p1.mask_gt(q1), &all);
            same("mask_ge", a.mask_ge(b), p0.mask_ge(q0), p1.mask_ge(q1), &all);
            let (m, m0, m1) = (a.mask_gt(b), p0.mask_gt(q0), p1.mask_gt(q1));
            same("blend", m.blend(b, c), m0.blend(q0, r0), m1.blend(q1, r1), &all);
            let mask = (i as u32).wrapping_mul(2654435761) & W::ALL;
            let (k0, k1) = (mask & H::ALL, mask >> h);
            same("select", a.select(mask, b), p0.select(k0, q0), p1.select(k1, q1), &all);
            same("splat", W::splat(xs[0]), H::splat(xs[0]), H::splat(xs[0]), &all);
        }
    }

    /// Every function of the grammar and both powers through `functions_pairs` (what AVX-512 machine code calls:
    /// pairs of the block's vectors in AVX-512 registers) give the bits of `functions` (the interpreter's routine)
    /// on the same vectors, a constant operand (step 0, 64 bytes) included.
    fn check_functions<H: Lanes>() {
        use super::super::program::{functions, functions_pairs, Instr};
        let v = values();
        let pairs = 8;
        let vectors = |shift: usize| -> Vec<H> {
            (0..2 * pairs)
                .map(|k| {
                    let lanes: Vec<f64> = (0..H::N)
                        .map(|j| v[(shift * 11 + k * H::N + j * 5) % v.len()])
                        .collect();
                    H::load(&lanes)
                })
                .collect()
        };
        let mut instrs = vec![Instr::Pow(0, 0, 0)];
        instrs.extend(Func::ALL.iter().map(|&(f, _)| Instr::Call(0, f, 0)));
        instrs.extend([1.5, -0.5, 0.75, 0.3, -2.2, 3.0].map(|e| Instr::Powf(0, 0, e)));
        for shift in 0..v.len() / 4 {
            let (a, b) = (vectors(shift), vectors(shift + 3));
            let constant = [b[0]; 2];
            for &ins in &instrs {
                for (b, step) in [(b.as_ptr(), 1), (constant.as_ptr(), 0)] {
                    let mut wide = vec![H::splat(0.0); 2 * pairs];
                    let mut want = wide.clone();
                    // SAFETY: 2 * pairs vectors everywhere (a constant: two, 64 bytes); the caller checked the CPU.
                    unsafe {
                        functions_pairs(ins, wide.as_mut_ptr(), (a.as_ptr(), 1), (b, step), 2 * pairs);
                        functions(ins, want.as_mut_ptr(), (a.as_ptr(), 1), (b, step), 2 * pairs);
                    }
                    for k in 0..2 * pairs {
                        let inputs: Vec<f64> = (0..H::N).map(|j| a[k].lane(j)).collect();
                        same(&format!("{ins:?} (step {step})"), wide[k], want[k], want[k], &inputs);
                    }
                }
            }
        }
    }

    #[test]
    fn avx512_lanes_compute_what_two_half_vectors_compute() {
        if !(super::super::lanes::fast() && std::arch::is_x86_feature_detected!("avx512f")) {
            eprintln!("this CPU has no AVX-512 F: the AVX-512 lane types are not used here");
            return;
        }
        /// The checks compiled for AVX-512 F, as the engine uses these types.
        #[target_feature(enable = "avx512f,avx2,fma")]
        unsafe fn checks() {
            check::<A64x8, F64x4>();
            check::<A32x16, F32x8>();
        }
        // SAFETY: checked above.
        unsafe { checks() };
        check_functions::<F64x4>();
        check_functions::<F32x8>();
    }
}
