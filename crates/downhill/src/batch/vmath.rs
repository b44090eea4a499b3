//! The grammar's functions as vector code: `ln`, `sin`, `cos`, `tan`, `atan`, `asin`, `acos`, `sinh`, `cosh`,
//! `tanh`, `sign` and powers, on four f64 lanes at once ([`F64Lanes`]: the arrays and the AVX registers).
//! f32 lanes have native forms of the commonest functions (`vmath32.rs`); for the rest they widen to two f64
//! vectors, compute there and round once, so those are as accurate as f32 can be.
//!
//! The algorithms are fdlibm's (as in musl and FreeBSD), written without branches: every lane computes every
//! case and a blend keeps the right one. Written once over [`F64Lanes`], they compute the same bits on the
//! arrays and on the AVX registers (IEEE operations and fused multiply-adds only), so the interpreter and the
//! machine code, which calls these for every function without an inline form, agree bit for bit.
//!
//! Accuracy against libm is measured by the tests at the bottom over each function's whole domain, and
//! stated on each function. The one place that is not vector code: sin, cos and tan of arguments beyond
//! 2^20 pi/2 (about 1.6 million radians), where the three-part reduction by pi/2 is not exact; those lanes
//! (and infinities and NaN) are recomputed by libm, one by one, only when a vector holds one.

// The constants are fdlibm's, digit for digit as it prints them (each rounds to the intended double).
#![allow(clippy::excessive_precision)]

use super::lanes::Lanes;

/// f64 lanes with the bit-level steps the functions need.
pub trait F64Lanes: Lanes {
    /// For a positive normal finite lane: its mantissa in [1, 2) and its exponent, as floats.
    fn split_exponent(self) -> (Self, Self);
    /// |self| with the sign of `sign`.
    fn copysign(self, sign: Self) -> Self;
}

/// f32 lanes, which compute the functions in f64: widened to two f64 vectors (exactly) and rounded back once.
pub trait Widen: Copy {
    /// The f64 lanes of half a vector.
    type Wide: F64Lanes;
    /// The lanes as two f64 vectors.
    fn widen(self) -> (Self::Wide, Self::Wide);
    /// Two f64 vectors rounded to one vector (to nearest, as `as f32`).
    fn narrow(lo: Self::Wide, hi: Self::Wide) -> Self;
}

/// [`call`] on f32 lanes: computed in f64 and rounded once.
#[inline(always)]
pub fn call_widened<V: Widen>(x: V, f: crate::expr::Func) -> V {
    let (lo, hi) = x.widen();
    V::narrow(call(lo, f), call(hi, f))
}

/// x^e for a constant exponent by square roots, for e = ±1/4, ±1/2, ±3/4 and ±3/2 (correctly rounded roots
/// in the lanes' own precision, f32 included: at most 2 ulp from libm in either, measured by the tests, with
/// libm's special cases: (-0)^e as 0^e, (-inf)^e as inf^e, NaN for negative bases); None for other exponents
/// (the caller's general power). Not a function argument for that case: a function item passed as `impl Fn`
/// was called through a shim compiled without AVX, in which every intrinsic was a call (typed-2 Newton f32
/// took 12 times as long).
#[inline(always)]
pub fn root_power<V: Lanes>(x: V, e: f64) -> Option<V> {
    // -0 + 0 = +0, so -0 takes 0's roots (sqrt(-0) would be -0).
    let root = |v: V| (v + k(0.0)).sqrt();
    let one = k::<V>(1.0);
    let v = match e {
        0.5 => root(x),
        -0.5 => one / root(x),
        0.25 => root(root(x)),
        -0.25 => one / root(root(x)),
        0.75 => {
            let s = root(x);
            s * s.sqrt()
        }
        // x^(1/4) / x: two roundings fewer than 1 / (x^(1/2) x^(1/4)).
        -0.75 => root(root(x)) / (x + k(0.0)),
        1.5 => (x + k(0.0)) * root(x),
        // 1 / x first: x x^(1/2) can overflow where its reciprocal is still a (subnormal) number.
        -1.5 => one / (x + k(0.0)) / root(x),
        _ => return None,
    };
    if e > 0.0 {
        // (-inf)^e = inf (the roots of -inf are NaN).
        return Some(k::<V>(f64::INFINITY).select(x.le(k(f64::NEG_INFINITY)), v));
    }
    // 0^e = inf, inf^e = (-inf)^e = 0 (x^(1/4) / x would give NaN there).
    let v = k::<V>(f64::INFINITY).select(eq(x, k(0.0)), v);
    Some(k::<V>(0.0).select(!x.within(f64::MAX) & eq(x, x), v))
}

/// [`pow`] on f32 lanes: computed in f64 with ln in one part ([`pow_in`]) and rounded once.
#[inline(always)]
pub fn pow_widened<V: Widen>(x: V, e: V) -> V {
    let ((lo, hi), (elo, ehi)) = (x.widen(), e.widen());
    V::narrow(pow_in::<_, false>(lo, elo), pow_in::<_, false>(hi, ehi))
}

#[inline(always)]
fn k<V: Lanes>(c: f64) -> V {
    V::splat(c)
}

/// Bit i set where lane i equals the other's (false for NaN).
#[inline(always)]
pub(super) fn eq<V: Lanes>(a: V, b: V) -> u32 {
    a.le(b) & b.le(a)
}

/// Bit i set where lane i > the other's (false for NaN).
#[inline(always)]
pub(super) fn gt<V: Lanes>(a: V, b: V) -> u32 {
    b.le(a) & !a.le(b)
}

/// Lanes rounded to the nearest integer, ties to even, for |v| < 2^51.
#[inline(always)]
fn round_small<V: Lanes>(v: V) -> V {
    const M: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    (v + k(M)) - k(M)
}

/// Lanes rounded to the nearest integer, ties to even, for any value (|v| >= 2^52 is an integer already).
#[inline(always)]
fn round_even<V: F64Lanes>(v: V) -> V {
    const TWO52: f64 = 4_503_599_627_370_496.0;
    let a = v.abs();
    let r = ((a + k(TWO52)) - k(TWO52)).copysign(v);
    r.select(a.le(k(TWO52)), v)
}

/// a + b = s + err exactly (Knuth's two-sum, for any magnitudes).
#[inline(always)]
fn two_sum<V: Lanes>(a: V, b: V) -> (V, V) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// Every lane of `x` whose bit is set in `lanes` replaced by libm's `f` of it (the rare cases).
#[cold]
#[inline(never)]
fn by_libm<V: Lanes>(x: V, r: V, lanes: u32, f: fn(f64) -> f64) -> V {
    let mut out = [0.0; 16];
    for (i, o) in out.iter_mut().enumerate().take(V::N) {
        *o = if lanes >> i & 1 == 1 { f(x.lane(i)) } else { r.lane(i) };
    }
    V::load(&out[..V::N])
}

/// `poly[0] + z (poly[1] + z (...))`, the coefficients f64 or f32.
#[inline(always)]
pub(super) fn horner<V: Lanes, C: Copy + Into<f64>>(z: V, poly: &[C]) -> V {
    let (&last, rest) = poly.split_last().expect("a polynomial");
    rest.iter()
        .rev()
        .fold(k(last.into()), |acc, &c| acc.mul_add(z, k(c.into())))
}

const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
const LG: [f64; 7] = [
    6.666_666_666_666_735_130e-1,
    3.999_999_999_940_941_908e-1,
    2.857_142_874_366_239_149e-1,
    2.222_219_843_214_978_396e-1,
    1.818_357_216_161_805_012e-1,
    1.531_383_769_920_937_332e-1,
    1.479_819_860_511_658_591e-1,
];

/// For positive finite lanes (subnormals included): m in [sqrt(1/2), sqrt(2)) and k with x = m 2^k.
#[inline(always)]
fn reduce_ln<V: F64Lanes>(x: V) -> (V, V) {
    let sub = x.le(k(f64::MIN_POSITIVE));
    let xs = (x * k(18_014_398_509_481_984.0)).select(sub, x); // 2^54
    let (m, e) = xs.split_exponent();
    let e = (e - k(54.0)).select(sub, e);
    let high = gt(m, k(std::f64::consts::SQRT_2));
    ((m * k(0.5)).select(high, m), (e + k(1.0)).select(high, e))
}

/// ln x: fdlibm's `log` (f = m - 1, s = f / (2 + f), ln(1 + f) = f - f²/2 + s (f²/2 + R(s²))). Worst error
/// against libm over [2^-1074, f64::MAX]: 1 ulp (the test measures it). ln 0 = -inf, ln of a negative = NaN,
/// ln inf = inf.
#[inline(always)]
pub fn ln<V: F64Lanes>(x: V) -> V {
    let (m, kk) = reduce_ln(x);
    let f = m - k(1.0);
    let s = f / (f + k(2.0));
    let z = s * s;
    let w = z * z;
    let t1 = w * horner(w, &[LG[1], LG[3], LG[5]]);
    let t2 = z * horner(w, &[LG[0], LG[2], LG[4], LG[6]]);
    let r = t2 + t1;
    let hfsq = k::<V>(0.5) * f * f;
    let v = kk * k(LN2_HI) - ((hfsq - (s * (hfsq + r) + kk * k(LN2_LO))) - f);
    let positive = !x.le(k(0.0)) & x.within(f64::MAX);
    if positive == V::ALL {
        return v;
    }
    // 0 -> -inf, +inf -> +inf, negatives and NaN -> NaN.
    let special = k::<V>(f64::NEG_INFINITY).select(eq(x, k(0.0)), x.select(gt(x, k(0.0)), k(f64::NAN)));
    v.select(positive, special)
}

/// ln x in two parts, hi + lo, good to about 2^-66: for powers, where ln's error is multiplied by the
/// exponent (e ln x up to 745). ln m = 2 atanh s = 2s + 2s³/3 + s⁵ Q(s²) with s = (m - 1)/(m + 1) carried in
/// two parts, 2s³/3 with its roundings kept, and the rest (below 6e-5) in plain f64. For positive finite
/// lanes; others give garbage (the caller blends them away).
#[inline(always)]
fn ln2parts<V: F64Lanes>(x: V) -> (V, V) {
    const TWO_THIRDS: (f64, f64) = (0.666_666_666_666_666_6, 3.700_743_415_417_188_6e-17);
    const Q: [f64; 12] = {
        let mut q = [0.0; 12];
        let mut j = 0;
        while j < 12 {
            q[j] = 2.0 / (2 * j + 5) as f64;
            j += 1;
        }
        q
    };
    let (m, kk) = reduce_ln(x);
    let f = m - k(1.0);
    // s + sl = f / (2 + f): d + derr = 2 + f exactly, sl the residual over d.
    let d = f + k(2.0);
    let derr = (k::<V>(2.0) - d) + f;
    let s = f / d;
    let sl = (s.neg_mul_add(d, f) - s * derr) / d;
    // 2s³/3 = p2 + (its rounding errors, and sl's share).
    let z = s * s;
    let zerr = s.mul_sub(s, z);
    let p1 = s * z;
    let p1err = s.mul_sub(z, p1);
    let p2 = p1 * k(TWO_THIRDS.0);
    let p2err = p1.mul_sub(k(TWO_THIRDS.0), p2);
    let tail = (z * z * s) * horner(z, &Q);
    let small = p2err + (p1err + s * zerr) * k(TWO_THIRDS.0) + p1 * k(TWO_THIRDS.1) + (z * sl + sl) * k(2.0) + tail;
    let (h, e1) = two_sum(s + s, p2);
    // k ln2_hi is exact (ln2_hi has 32 bits, |k| < 2^11).
    let (sum, e2) = two_sum(kk * k(LN2_HI), h);
    two_sum(sum, e2 + e1 + small + kk * k(LN2_LO))
}

/// x^e, as libm's `pow` in every special case (signs of odd integer powers of negatives, NaN for a negative
/// to a non-integer power, x^0 = 1, 1^e = 1, (-1)^±inf = 1, ...), by e^(e ln|x|) with ln in two parts and the
/// product's low part applied after the exp. Worst error against libm: 3 ulp (the vector exp's own
/// error, 3.2e-16 relative, is most of it) (measured by the test; the
/// exp's own error dominates). Results below 2^-1022 come out as 0 (libm gives subnormals there).
#[inline(always)]
pub fn pow<V: F64Lanes>(x: V, e: V) -> V {
    pow_in::<V, true>(x, e)
}

/// [`pow`], with ln in two parts (`TWO_PARTS`, f64's accuracy) or in one (f32 lanes: ln's error, 1 f64 ulp,
/// times |e ln x|, at most about 104 where the result is a finite nonzero f32, stays below 2^-45 of the result,
/// far inside an f32 rounding; about a third cheaper).
#[inline(always)]
fn pow_in<V: F64Lanes, const TWO_PARTS: bool>(x: V, e: V) -> V {
    let a = x.abs();
    let finite_pos = !a.le(k(0.0)) & a.within(f64::MAX);
    let (lh, ll) = if TWO_PARTS { ln2parts(a) } else { (ln(a), k(0.0)) };
    let lh = lh.select(finite_pos, k::<V>(f64::NEG_INFINITY).select(eq(a, k(0.0)), a));
    let ll = ll.select(finite_pos, k(0.0));
    let yh = e * lh;
    let yl = if TWO_PARTS { e.mul_sub(lh, yh) + e * ll } else { k(0.0) };
    // Beyond 709, e^y = 4 e^(y - 2 ln2_hi) e^(-2 ln2_lo): the low part takes the -2 ln2_lo.
    let (big, far) = exp_far(yh);
    let yl = (yl - k(2.0 * LN2_LO)).select(far, yl);
    let ordinary = yh.within(f64::MAX) & big.within(f64::MAX);
    let mut r = big.mul_add(yl, big).select(ordinary, big);
    r = (r * k(4.0)).select(far, r);
    // Signs and special cases.
    let int = eq(round_even(e), e);
    let half = e * k(0.5);
    let odd = int & e.abs().le(k(9_007_199_254_740_992.0)) & !eq(round_even(half), half);
    let negative_sign = k::<V>(1.0).copysign(x).le(k(-1.0));
    r = (r * k(-1.0)).select(negative_sign & odd, r);
    // x <= the negative number nearest 0 (x < 0, but not -0).
    let negative_finite = x.le(k(-f64::from_bits(1))) & x.within(f64::MAX);
    r = k::<V>(f64::NAN).select(negative_finite & !int, r);
    let one_abs_inf = eq(a, k(1.0)) & !e.within(f64::MAX) & eq(e, e);
    k::<V>(1.0).select(eq(e, k(0.0)) | eq(x, k(1.0)) | one_abs_inf, r)
}

/// One of fdlibm's pi/2 reductions: x = n pi/2 + y0 + y1 with |y0 + y1| <= about pi/4, pi/2 in three parts
/// of 33 bits (so n pi/2's first parts are exact for |n| < 2^20) and all three rounds taken (good to 151
/// bits, fdlibm's "covers all cases"). Returns y0, y1, n mod 4, and the lanes it cannot reduce.
#[inline(always)]
fn reduce_pio2<V: F64Lanes>(x: V) -> (V, V, V, u32) {
    const INVPIO2: f64 = std::f64::consts::FRAC_2_PI;
    const P1: f64 = 1.570_796_326_734_125_614_17;
    const P2: f64 = 6.077_100_506_303_965_976_60e-11;
    const P3: f64 = 2.022_266_248_711_166_455_80e-21;
    const P3T: f64 = 8.478_427_660_368_899_569_97e-32;
    // |n| < 2^20 keeps the products exact.
    let ok = x.within(1_647_000.0);
    let x = x.select(ok, k(0.0));
    let n = round_small(x * k(INVPIO2));
    // r1 = x - n P1 is exact (Sterbenz); then r1 - n P2 - n P3 - n P3T, the first two subtractions'
    // rounding errors kept exactly (two-sums: n P2 and n P3 are exact products).
    let r1 = n.neg_mul_add(k(P1), x);
    let (r2, c2) = two_sum(r1, n * k(-P2));
    let (r3, c3) = two_sum(r2, n * k(-P3));
    let (r, w) = (r3, n * k(P3T) - c3 - c2);
    let y0 = r - w;
    let y1 = (r - y0) - w;
    (y0, y1, mod4(n, round_small(n * k(0.25))), !ok & V::ALL)
}

/// fdlibm's `__sin(x, y, 1)`: sin(x + y) on [-pi/4, pi/4].
#[inline(always)]
fn sin_kernel<V: Lanes>(x: V, y: V) -> V {
    const S: [f64; 6] = [
        -1.666_666_666_666_663_243_48e-1,
        8.333_333_333_322_489_461_24e-3,
        -1.984_126_982_985_794_931_34e-4,
        2.755_731_370_707_006_767_89e-6,
        -2.505_076_025_340_686_341_95e-8,
        1.589_690_995_211_550_102_21e-10,
    ];
    let z = x * x;
    let w = z * z;
    let r = k::<V>(S[1]) + z * (k::<V>(S[2]) + z * k(S[3])) + z * w * (k::<V>(S[4]) + z * k(S[5]));
    let v = z * x;
    x - ((z * (k::<V>(0.5) * y - v * r) - y) - v * k(S[0]))
}

/// fdlibm's `__cos(x, y)`: cos(x + y) on [-pi/4, pi/4].
#[inline(always)]
fn cos_kernel<V: Lanes>(x: V, y: V) -> V {
    const C: [f64; 6] = [
        4.166_666_666_666_660_190_37e-2,
        -1.388_888_888_887_410_957_49e-3,
        2.480_158_728_947_672_941_78e-5,
        -2.755_731_435_139_066_330_35e-7,
        2.087_572_321_298_174_827_90e-9,
        -1.135_964_755_778_819_482_65e-11,
    ];
    let z = x * x;
    let w = z * z;
    let r = z * (k::<V>(C[0]) + z * (k::<V>(C[1]) + z * k(C[2])))
        + w * w * (k::<V>(C[3]) + z * (k::<V>(C[4]) + z * k(C[5])));
    let hz = k::<V>(0.5) * z;
    let w = k::<V>(1.0) - hz;
    w + (((k::<V>(1.0) - w) - hz) + (z * r - x * y))
}

/// Which of sin, cos, tan.
#[derive(Clone, Copy, PartialEq)]
enum Trig {
    Sin,
    Cos,
    Tan,
}

#[inline(always)]
fn trig<V: F64Lanes>(x: V, which: Trig) -> V {
    let (y0, y1, q, far) = reduce_pio2(x);
    let (need_s, need_c) = match which {
        Trig::Tan => (true, true),
        _ => kernels_needed(q, which == Trig::Cos),
    };
    let s = if need_s { sin_kernel(y0, y1) } else { k(0.0) };
    let c = if need_c { cos_kernel(y0, y1) } else { k(0.0) };
    let v = match which {
        Trig::Sin => quadrant(s, c, q, false),
        Trig::Cos => quadrant(s, c, q, true),
        Trig::Tan => {
            // even: s / c, odd: -c / s.
            let odd = eq(q, k(1.0)) | eq(q, k(3.0));
            let v = (c / s).select(odd, s / c);
            (v * k(-1.0)).select(odd, v)
        }
    };
    if far == 0 {
        return v;
    }
    by_libm(
        x,
        v,
        far,
        match which {
            Trig::Sin => f64::sin,
            Trig::Cos => f64::cos,
            Trig::Tan => f64::tan,
        },
    )
}

/// sin x: fdlibm's kernel after a vector pi/2 reduction. Worst error against libm: 1 ulp.
#[inline(always)]
pub fn sin<V: F64Lanes>(x: V) -> V {
    trig(x, Trig::Sin)
}

/// cos x, as [`sin`]. Worst error against libm: 1 ulp.
#[inline(always)]
pub fn cos<V: F64Lanes>(x: V) -> V {
    trig(x, Trig::Cos)
}

/// tan x as the ratio of the two kernels (fdlibm has a kernel of its own). Worst error against libm: 2 ulp.
#[inline(always)]
pub fn tan<V: F64Lanes>(x: V) -> V {
    trig(x, Trig::Tan)
}

/// fdlibm's atan reduction of a = |x| by its five intervals, picked by blends: `iv` holds each interval's
/// [lower bound, atan hi, atan lo, and (p, q, r, s) with t = (p a - q) / (r + s a)]; returns (hi, lo, t) with
/// atan a = hi + lo + atan t.
#[inline(always)]
pub(super) fn atan_reduce<V: Lanes, C: Copy + Into<f64>>(a: V, iv: &[[C; 7]; 4]) -> (V, V, V) {
    let c = |v: C| k::<V>(v.into());
    let (mut hi, mut lo, mut p, mut q, mut r, mut s) = (k::<V>(0.0), k::<V>(0.0), k(1.0), k(0.0), k(1.0), k(0.0));
    for iv in iv {
        let m = c(iv[0]).le(a);
        hi = c(iv[1]).select(m, hi);
        lo = c(iv[2]).select(m, lo);
        p = c(iv[3]).select(m, p);
        q = c(iv[4]).select(m, q);
        r = c(iv[5]).select(m, r);
        s = c(iv[6]).select(m, s);
    }
    // Beyond 39/16, -1/a (so that a = inf gives -0, not 0 inf).
    let t = (k::<V>(-1.0) / a).select(c(iv[3][0]).le(a), a.mul_sub(p, q) / a.mul_add(s, r));
    (hi, lo, t)
}

/// Which of the kernels [`quadrant`] reads for sin (or cos) in quadrants `q`: (sin r's, cos r's). sin takes
/// cos r in the odd quadrants and sin r in the even ones, cos the other way round; a vector whose lanes all take
/// the same one computes only that one (a smooth function's neighbouring lanes mostly share a quadrant).
#[inline(always)]
pub(super) fn kernels_needed<V: Lanes>(q: V, cos: bool) -> (bool, bool) {
    let full = V::ALL;
    let odd = eq(q, k(1.0)) | eq(q, k(3.0));
    let takes_c = if cos { !odd & full } else { odd };
    (takes_c != full, takes_c != 0)
}

/// sin (or cos) of x = n pi/2 + r from the kernels' s = sin r and c = cos r and q = n mod 4.
#[inline(always)]
pub(super) fn quadrant<V: Lanes>(s: V, c: V, q: V, cos: bool) -> V {
    let odd = eq(q, k(1.0)) | eq(q, k(3.0));
    let (v, negate) = if cos {
        // q = 0: c, 1: -s, 2: -c, 3: s.
        (s.select(odd, c), eq(q, k(1.0)) | eq(q, k(2.0)))
    } else {
        // q = 0: s, 1: c, 2: -s, 3: -c.
        (c.select(odd, s), eq(q, k(2.0)) | eq(q, k(3.0)))
    };
    (v * k(-1.0)).select(negate, v)
}

/// n mod 4 for integral n with |n| < 2^22 (in f32; 2^51 in f64), given `rounded`, n / 4 rounded to an integer
/// (by the caller's precision's rounding: a value, not a function, so nothing here can be left out of line).
#[inline(always)]
pub(super) fn mod4<V: Lanes>(n: V, rounded: V) -> V {
    let quarter = n * k(0.25);
    let fl = rounded - k::<V>(1.0).select(gt(rounded, quarter), k(0.0));
    n - fl * k(4.0)
}

/// atan x: fdlibm's, its five intervals picked by blends. Worst error against libm: 1 ulp.
#[inline(always)]
pub fn atan<V: F64Lanes>(x: V) -> V {
    const AT: [f64; 11] = [
        3.333_333_333_333_293_180_27e-1,
        -1.999_999_999_987_648_324_76e-1,
        1.428_571_427_250_346_637_11e-1,
        -1.111_111_040_546_235_578_80e-1,
        9.090_887_133_436_506_561_96e-2,
        -7.691_876_205_044_829_994_95e-2,
        6.661_073_137_387_531_206_69e-2,
        -5.833_570_133_790_573_486_45e-2,
        4.976_877_994_615_932_360_17e-2,
        -3.653_157_274_421_691_552_70e-2,
        1.628_582_011_536_578_236_23e-2,
    ];
    // Interval: [lower bound, atan hi, atan lo, and (p, q, r, s) with t = (p a - q) / (r + s a)].
    const IV: [[f64; 7]; 4] = [
        [
            0.4375,
            4.636_476_090_008_060_935_15e-1,
            2.269_877_745_296_168_709_24e-17,
            2.0,
            1.0,
            2.0,
            1.0,
        ],
        [
            0.6875,
            std::f64::consts::FRAC_PI_4,
            3.061_616_997_868_383_017_93e-17,
            1.0,
            1.0,
            1.0,
            1.0,
        ],
        [
            1.1875,
            9.827_937_232_473_290_540_82e-1,
            1.390_331_103_123_099_845_16e-17,
            1.0,
            1.5,
            1.0,
            1.5,
        ],
        [
            2.4375,
            std::f64::consts::FRAC_PI_2,
            6.123_233_995_736_766_035_87e-17,
            0.0,
            1.0,
            0.0,
            1.0,
        ],
    ];
    let (hi, lo, t) = atan_reduce(x.abs(), &IV);
    let z = t * t;
    let w = z * z;
    let s1 = z * horner(w, &[AT[0], AT[2], AT[4], AT[6], AT[8], AT[10]]);
    let s2 = w * horner(w, &[AT[1], AT[3], AT[5], AT[7], AT[9]]);
    let v = hi - ((t * (s1 + s2) - lo) - t);
    v.copysign(x)
}

/// asin x = atan(x / sqrt((1 - x)(1 + x))). Worst error against libm: 2 ulp. NaN beyond [-1, 1].
#[inline(always)]
pub fn asin<V: F64Lanes>(x: V) -> V {
    atan(x / ((k::<V>(1.0) - x) * (k::<V>(1.0) + x)).sqrt())
}

/// acos x = 2 atan(sqrt((1 - x) / (1 + x))). Worst error against libm: 2 ulp. NaN beyond [-1, 1].
#[inline(always)]
pub fn acos<V: F64Lanes>(x: V) -> V {
    let v = atan(((k::<V>(1.0) - x) / (k::<V>(1.0) + x)).sqrt());
    v + v
}

/// sinh x for |x| <= 2 by its series to x^27 (the rest is below 2^-60 of the sum).
#[inline(always)]
fn sinh_small<V: Lanes>(x: V) -> V {
    const C: [f64; 13] = {
        let mut c = [0.0; 13];
        let mut f = 1.0;
        let mut i = 0;
        while i < 13 {
            // 1 / (2i + 3)!
            f *= ((2 * i + 2) * (2 * i + 3)) as f64;
            c[i] = 1.0 / f;
            i += 1;
        }
        c
    };
    let z = x * x;
    (x * z).mul_add(horner(z, &C), x)
}

/// cosh x for |x| <= 0.55 by its series to x^24 (the rest is below 2^-80).
#[inline(always)]
fn cosh_small<V: Lanes>(x: V) -> V {
    const C: [f64; 12] = {
        let mut c = [0.0; 12];
        let mut f = 1.0;
        let mut i = 0;
        while i < 12 {
            // 1 / (2i + 2)!
            f *= ((2 * i + 1) * (2 * i + 2)) as f64;
            c[i] = 1.0 / f;
            i += 1;
        }
        c
    };
    let z = x * x;
    z.mul_add(horner(z, &C), k(1.0))
}

/// e^y for y up to 709 (the vector exp overflows from 709.44), and beyond, e^(y - 2 ln2_hi) (y - 2 ln2_hi is
/// exact there), with the lanes beyond: powers and sinh and cosh near f64::MAX go on from there.
#[inline(always)]
fn exp_far<V: F64Lanes>(y: V) -> (V, u32) {
    let far = gt(y, k(709.0));
    ((y - k(2.0 * LN2_HI)).select(far, y).exp(), far)
}

/// e^a / 2 = 2 e^(a - 2 ln2_hi) e^(-2 ln2_lo), from [`exp_far`]'s far lanes.
#[inline(always)]
fn half_exp_far<V: Lanes>(e: V) -> V {
    e.neg_mul_add(k(2.0 * LN2_LO), e).select(e.within(f64::MAX), e) * k(2.0)
}

/// sinh x: the series up to 2, (e^x - e^-x) / 2 above, e^(x - ln2) where e^x overflows. Worst error
/// against libm: 2 ulp.
#[inline(always)]
pub fn sinh<V: F64Lanes>(x: V) -> V {
    let a = x.abs();
    let (e, far) = exp_far(a);
    let mid = (e - k::<V>(1.0) / e) * k(0.5);
    let v = sinh_small(a).select(a.le(k(2.0)), half_exp_far(e).select(far, mid));
    v.copysign(x)
}

/// cosh x: (e^x + e^-x) / 2, e^(x - ln2) where e^x overflows. Worst error against libm: 3 ulp (the vector
/// exp's own error, 3.2e-16 relative, is most of it).
#[inline(always)]
pub fn cosh<V: F64Lanes>(x: V) -> V {
    let (e, far) = exp_far(x.abs());
    let mid = e * k(0.5) + k::<V>(0.5) / e;
    half_exp_far(e).select(far, mid)
}

/// tanh x: sinh / cosh by their series below 0.55, 1 - 2 / (e^2|x| + 1) above. Worst
/// error against libm: 3 ulp.
#[inline(always)]
pub fn tanh<V: F64Lanes>(x: V) -> V {
    let a = x.abs();
    let small = sinh_small(a) / cosh_small(a);
    let e = (a + a).exp();
    let large = k::<V>(1.0) - k::<V>(2.0) / (e + k(1.0));
    small.select(a.le(k(0.55)), large).copysign(x)
}

/// sign x: 1, -1, or x itself for ±0 and NaN (as `expr::sign`).
#[inline(always)]
pub fn sign<V: Lanes>(x: V) -> V {
    let v = x * k(0.0);
    let v = k::<V>(1.0).select(k::<V>(f64::from_bits(1)).le(x), v);
    k::<V>(-1.0).select(x.le(k(-f64::from_bits(1))), v)
}

/// The grammar's function `f` (exp and abs included, for completeness).
#[inline(always)]
pub fn call<V: F64Lanes>(x: V, f: crate::expr::Func) -> V {
    use crate::expr::Func;
    match f {
        Func::Exp => x.exp(),
        Func::Abs => x.abs(),
        Func::Sign => sign(x),
        Func::Ln => ln(x),
        Func::Sin => sin(x),
        Func::Cos => cos(x),
        Func::Tan => tan(x),
        Func::Atan => atan(x),
        Func::Asin => asin(x),
        Func::Acos => acos(x),
        Func::Sinh => sinh(x),
        Func::Cosh => cosh(x),
        Func::Tanh => tanh(x),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lanes::{CallOutOfLine, F32x8, F64x4, Lanes};
    use crate::expr::Func;

    /// Distance in units in the last place (0 for equal bits or two NaNs; across zero counts both sides).
    fn ulps(a: f64, b: f64) -> u64 {
        if a.is_nan() && b.is_nan() {
            return 0;
        }
        if a.is_nan() || b.is_nan() {
            return u64::MAX;
        }
        let ord = |x: f64| {
            let b = x.to_bits() as i64;
            if b < 0 {
                i64::MIN - b
            } else {
                b
            }
        };
        ord(a).abs_diff(ord(b))
    }

    /// A reproducible stream of numbers in [0, 1).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
        fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
            lo + (hi - lo) * self.next()
        }
        /// |x| log-uniform in [2^lo, 2^hi], either sign when `signed`.
        fn log_uniform(&mut self, lo: f64, hi: f64, signed: bool) -> f64 {
            let v = self.uniform(lo, hi).exp2();
            if signed && self.next() < 0.5 {
                -v
            } else {
                v
            }
        }
    }

    /// The edges every function is checked at, bit for bit against libm.
    const EDGES: [f64; 16] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        -f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        f64::MAX,
        f64::MIN,
        1e-300,
        0.5,
        -0.5,
    ];

    /// Runs `f` on `xs` four at a time and returns the worst distance from libm's `g`, with its argument.
    fn worst(xs: &[f64], f: Func, g: fn(f64) -> f64) -> (u64, f64) {
        let mut w = (0, 0.0);
        for c in xs.chunks(4) {
            let mut v = [0.0; 4];
            v[..c.len()].copy_from_slice(c);
            let out = F64x4::from(v).call_out_of_line(f);
            for (i, &x) in c.iter().enumerate() {
                let d = ulps(out.lane(i), g(x));
                if d > w.0 {
                    w = (d, x);
                }
            }
        }
        w
    }

    /// sin and cos compute only the kernel a vector's lanes take when they all share a quadrant's parity: each
    /// lane's value alone in a vector (one quadrant) is the one it has among lanes of every quadrant (both
    /// kernels), bit for bit, in f64 and in f32, over arguments around every quadrant's edges; and in f32 the one
    /// it has beside a lane past the reduction's limit (which takes the f64 route).
    #[test]
    fn one_kernel_for_a_shared_quadrant_gives_the_mixed_vectors_values() {
        let quarter = std::f64::consts::FRAC_PI_2;
        let mut xs = vec![0.0, -0.0, 1e-300, 1e300, f64::NAN, f64::INFINITY];
        for n in -12..12 {
            for d in [-0.7, -1e-9, 0.0, 1e-9, 0.3, 0.7] {
                xs.push((n as f64 + 0.5) * quarter + d);
            }
        }
        for f in [Func::Sin, Func::Cos] {
            for &x in &xs {
                // Lanes 1-3 in the three other quadrants (lane 0 is x itself: -0 + 0 would be +0).
                let other = |i: usize| if i == 0 { x } else { x + i as f64 * quarter };
                let mixed: [f64; 4] = std::array::from_fn(other);
                let alone = F64x4::from([x; 4]).call_out_of_line(f).lane(0);
                assert_eq!(
                    alone.to_bits(),
                    F64x4::from(mixed).call_out_of_line(f).lane(0).to_bits(),
                    "{f:?}({x})"
                );
                let mixed32: [f32; 8] = std::array::from_fn(|i| other(i) as f32);
                let alone = F32x8([x as f32; 8]).call_out_of_line(f).lane(0);
                assert_eq!(
                    alone.to_bits(),
                    F32x8(mixed32).call_out_of_line(f).lane(0).to_bits(),
                    "f32 {f:?}({x})"
                );
                // Beside a lane past f32's reduction limit (which takes the f64 route) or an infinity.
                for far in [1e5, -3e9, f64::INFINITY] {
                    let beside: [f32; 8] = std::array::from_fn(|i| if i == 7 { far as f32 } else { x as f32 });
                    assert_eq!(
                        alone.to_bits(),
                        F32x8(beside).call_out_of_line(f).lane(0).to_bits(),
                        "f32 {f:?}({x}) beside {far}"
                    );
                }
            }
        }
    }

    fn samples(seed: u64, n: usize, draw: impl Fn(&mut Rng) -> f64) -> Vec<f64> {
        let mut r = Rng(seed);
        (0..n).map(|_| draw(&mut r)).collect()
    }

    /// Every function against libm over its whole domain: the worst error in ulps stays within the bound
    /// stated on the function, and the edges (zeros, infinities, NaN, subnormals, limits) are libm's.
    #[test]
    fn functions_are_accurate_over_their_domains_and_agree_with_libm_at_the_edges() {
        type Case = (Func, fn(f64) -> f64, u64, Vec<Vec<f64>>);
        let n = 100_000;
        let cases: Vec<Case> = vec![
            (
                Func::Ln,
                f64::ln,
                1,
                vec![
                    samples(1, n, |r| r.log_uniform(-1074.0, 1023.9, false)),
                    samples(2, n, |r| r.uniform(0.5, 2.0)),
                    samples(3, n, |r| 1.0 + r.log_uniform(-52.0, -1.0, true)),
                ],
            ),
            (
                Func::Sin,
                f64::sin,
                1,
                vec![
                    samples(4, n, |r| r.uniform(-10.0, 10.0)),
                    samples(5, n, |r| r.log_uniform(-1074.0, 20.6, true)),
                    samples(6, n / 10, |r| r.log_uniform(20.6, 1023.9, true)),
                ],
            ),
            (
                Func::Cos,
                f64::cos,
                1,
                vec![
                    samples(7, n, |r| r.uniform(-10.0, 10.0)),
                    samples(8, n, |r| r.log_uniform(-1074.0, 20.6, true)),
                    samples(9, n / 10, |r| r.log_uniform(20.6, 1023.9, true)),
                ],
            ),
            (
                Func::Tan,
                f64::tan,
                2,
                vec![
                    samples(10, n, |r| r.uniform(-10.0, 10.0)),
                    samples(11, n, |r| r.log_uniform(-1074.0, 20.6, true)),
                    samples(12, n / 10, |r| r.log_uniform(20.6, 1023.9, true)),
                ],
            ),
            (
                Func::Atan,
                f64::atan,
                1,
                vec![
                    samples(13, n, |r| r.uniform(-4.0, 4.0)),
                    samples(14, n, |r| r.log_uniform(-1074.0, 1023.9, true)),
                ],
            ),
            (
                Func::Asin,
                f64::asin,
                2,
                vec![
                    samples(15, n, |r| r.uniform(-1.0, 1.0)),
                    samples(16, n, |r| r.log_uniform(-1074.0, 0.0, true)),
                    samples(17, n, |r| {
                        (1.0 - r.log_uniform(-53.0, -1.0, false)) * if r.next() < 0.5 { -1.0 } else { 1.0 }
                    }),
                    samples(18, n / 10, |r| r.log_uniform(0.0, 1023.9, true)),
                ],
            ),
            (
                Func::Acos,
                f64::acos,
                2,
                vec![
                    samples(19, n, |r| r.uniform(-1.0, 1.0)),
                    samples(20, n, |r| r.log_uniform(-1074.0, 0.0, true)),
                    samples(21, n, |r| {
                        (1.0 - r.log_uniform(-53.0, -1.0, false)) * if r.next() < 0.5 { -1.0 } else { 1.0 }
                    }),
                    samples(22, n / 10, |r| r.log_uniform(0.0, 1023.9, true)),
                ],
            ),
            (
                Func::Sinh,
                f64::sinh,
                2,
                vec![
                    samples(23, n, |r| r.uniform(-712.0, 712.0)),
                    samples(24, n, |r| r.log_uniform(-1074.0, 5.0, true)),
                ],
            ),
            (
                Func::Cosh,
                f64::cosh,
                3,
                vec![
                    samples(25, n, |r| r.uniform(-712.0, 712.0)),
                    samples(26, n, |r| r.log_uniform(-1074.0, 5.0, true)),
                ],
            ),
            (
                Func::Tanh,
                f64::tanh,
                3,
                vec![
                    samples(27, n, |r| r.uniform(-25.0, 25.0)),
                    samples(28, n, |r| r.log_uniform(-1074.0, 5.0, true)),
                ],
            ),
            (
                Func::Sign,
                crate::expr::sign,
                0,
                vec![samples(29, n / 10, |r| r.log_uniform(-1074.0, 1023.0, true))],
            ),
        ];
        for (f, g, bound, sets) in cases {
            let mut w = worst(&EDGES, f, g);
            assert!(w.0 <= bound, "{f:?} at the edge {:e}: {} ulp", w.1, w.0);
            for xs in sets {
                let s = worst(&xs, f, g);
                if s.0 > w.0 {
                    w = s;
                }
            }
            eprintln!("{f:?}: worst {} ulp (at {:e})", w.0, w.1);
            assert!(w.0 <= bound, "{f:?}: {} ulp at {:e}, more than {bound}", w.0, w.1);
        }
    }

    /// Powers against libm's `pow`: every special case of its table (signs of odd integer powers, negative
    /// bases, zeros, infinities, NaN, 1 and -1) bit for bit, and ordinary powers within 3 ulp (the vector exp's own error, 3.2e-16 relative, is most of it).
    #[test]
    fn powers_agree_with_libm() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            -2.0,
            0.5,
            -0.5,
            3.0,
            -3.0,
            2.5,
            -2.5,
            1e300,
            -1e300,
            1e-300,
            5e-324,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            9007199254740993.0,
            -9007199254740993.0,
            4503599627370497.0,
        ];
        let check = |x: f64, e: f64, bound: u64| {
            let got = F64x4::splat(x).pow(F64x4::splat(e)).lane(0);
            let want = x.powf(e);
            // Below 2^-1022 the vector exp gives 0 where libm gives a subnormal.
            let flushed = want.abs() < f64::MIN_POSITIVE && got == 0.0;
            let d = ulps(got, want);
            assert!(d <= bound || flushed, "{x:e}^{e:e}: {got:e}, libm {want:e} ({d} ulp)");
            if flushed {
                0
            } else {
                d
            }
        };
        for &x in &specials {
            for &e in &specials {
                let exact = !(x.is_finite() && e.is_finite() && x != 0.0 && x.abs() != 1.0 && e != 0.0);
                check(x, e, if exact { 0 } else { 3 });
            }
        }
        let mut r = super::tests::Rng(77);
        let mut w = 0;
        for _ in 0..200_000 {
            let x = r.log_uniform(-40.0, 40.0, false);
            let e = r.uniform(-25.0, 25.0);
            w = w.max(check(x, e, 3));
            let n = (r.uniform(-40.0, 40.0)).round();
            w = w.max(check(-x.abs().sqrt(), n, 3));
            let small = r.uniform(0.0, 4.0);
            w = w.max(check(small, r.uniform(-500.0, 500.0), 3));
        }
        eprintln!("pow: worst {w} ulp");
    }

    /// Quarter and half powers by square roots, in both precisions: libm's special cases bit for bit and
    /// within 2 ulp of libm elsewhere (f32 against libm's f64 power rounded to f32).
    #[test]
    fn root_powers_agree_with_libm() {
        let specials = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            4.0,
            -2.0,
            0.5,
            1e300,
            1e-300,
            5e-324,
            1e30,
            1e-30,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
        ];
        let f32_ulps = |a: f32, b: f32| {
            let ord = |v: f32| {
                let b = v.to_bits() as i32 as i64;
                if b < 0 {
                    i32::MIN as i64 - b
                } else {
                    b
                }
            };
            match (a.is_nan(), b.is_nan()) {
                (true, true) => 0,
                (false, false) => ord(a).abs_diff(ord(b)),
                _ => u64::MAX,
            }
        };
        let mut r = Rng(5);
        let mut worst = [0u64; 2];
        for e in [0.5, -0.5, 0.25, -0.25, 0.75, -0.75, 1.5, -1.5] {
            let check = |x: f64, bound: u64, worst: &mut [u64; 2]| {
                let d64 = ulps(F64x4::splat(x).powf(e).lane(0), x.powf(e));
                let x32 = x as f32;
                let got32 = F32x8::splat(x32).powf(e).lane(0) as f32;
                let d32 = f32_ulps(got32, (x32 as f64).powf(e) as f32);
                assert!(
                    d64 <= bound && d32 <= bound,
                    "{x:e}^{e}: {d64} ulp in f64, {d32} in f32"
                );
                worst[0] = worst[0].max(d64);
                worst[1] = worst[1].max(d32);
            };
            for &x in &specials {
                let exact = !x.is_finite() || x <= 0.0 || x == 1.0;
                check(x, if exact { 0 } else { 2 }, &mut worst);
            }
            for _ in 0..100_000 {
                check(r.log_uniform(-120.0, 120.0, false), 2, &mut worst);
            }
        }
        eprintln!("root powers: worst {} ulp in f64, {} in f32", worst[0], worst[1]);
    }

    /// f32 powers (f64 with ln in one part, rounded once): libm's special cases bit for bit, and within one f32
    /// ulp of libm's f64 power rounded to f32 elsewhere.
    #[test]
    fn f32_powers_agree_with_libm() {
        let specials: [f32; 16] = [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2.0,
            -2.0,
            0.5,
            -0.5,
            3.0,
            -3.0,
            2.5,
            -2.5,
            1e30,
            1e-30,
            f32::INFINITY,
            f32::NAN,
        ];
        let check = |x: f32, e: f32, bound: u64| {
            let got = F32x8::splat(x).pow(F32x8::splat(e)).lane(0) as f32;
            let want = (x as f64).powf(e as f64) as f32;
            // In f32 ulps: the distance of the two f32s' ordered bits (across zero, both sides).
            let ord = |v: f32| {
                let b = v.to_bits() as i32 as i64;
                if b < 0 {
                    i32::MIN as i64 - b
                } else {
                    b
                }
            };
            let d = match (got.is_nan(), want.is_nan()) {
                (true, true) => 0,
                (false, false) => ord(got).abs_diff(ord(want)),
                _ => u64::MAX,
            };
            assert!(d <= bound, "{x:e}^{e:e}: {got:e}, libm {want:e} ({d} f32 ulp)");
            d
        };
        for &x in specials.iter().chain([f32::NEG_INFINITY, -1e30].iter()) {
            for &e in &specials {
                let exact = !(x.is_finite() && e.is_finite() && x != 0.0 && x.abs() != 1.0 && e != 0.0);
                check(x, e, if exact { 0 } else { 1 });
            }
        }
        let mut r = Rng(78);
        let mut w = 0;
        for _ in 0..200_000 {
            let x = r.log_uniform(-40.0, 40.0, false) as f32;
            w = w.max(check(x, r.uniform(-25.0, 25.0) as f32, 1));
            w = w.max(check(-x.abs().sqrt(), r.uniform(-30.0, 30.0).round() as f32, 1));
            w = w.max(check(r.uniform(0.0, 4.0) as f32, r.uniform(-60.0, 60.0) as f32, 1));
        }
        eprintln!("f32 pow: worst {w} f32 ulp");
    }

    /// f32 lanes compute the functions without a native f32 form (`vmath32.rs`) in f64 and round once: the
    /// f64 function's value rounded.
    #[test]
    fn f32_lanes_round_the_f64_functions_once() {
        let mut r = Rng(99);
        let xs: Vec<f32> = (0..80_000).map(|_| r.log_uniform(-30.0, 6.0, true) as f32).collect();
        let native = [Func::Sin, Func::Cos, Func::Ln, Func::Atan, Func::Tanh];
        for (f, _) in Func::ALL.into_iter().filter(|(f, _)| !native.contains(f)) {
            let g = |x: f64| F64x4::splat(x).call_out_of_line(f).lane(0);
            for c in xs.chunks(8) {
                let v = F32x8::from(<[f32; 8]>::try_from(c).expect("8 lanes")).call_out_of_line(f);
                for (i, &x) in c.iter().enumerate() {
                    let want = if f == Func::Exp { (x as f64).exp() } else { g(x as f64) } as f32;
                    let got = v.lane(i) as f32;
                    let d = ulps(got as f64, want as f64);
                    // exp has its own f32 form (about 4 f32 ulp); the others round the f64 result once.
                    let bound = if f == Func::Exp { 1 << 32 } else { 0 };
                    assert!(d <= bound, "{f:?}({x:e}): {got:e} against {want:e}");
                }
            }
        }
    }
}
