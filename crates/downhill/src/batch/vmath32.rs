//! The grammar's commonest functions in native f32 arithmetic on f32 lanes (8 or 16 at a time): `sin`, `cos`,
//! `ln`, `atan` and `tanh`. The others (and, for sin and cos, the lanes of an argument beyond 2^16 in magnitude,
//! an infinity or NaN) compute in f64 and round once ([`super::vmath::call_widened`]), as every f32 function did
//! before: that costs two f64 vectors per f32 vector and f64's longer polynomials, where these take one vector
//! and f32's. A lane's value never depends on the lanes beside it.
//!
//! The algorithms: sin and cos are Cephes' `sinf`/`cosf` polynomials after a three-part Cody-Waite reduction
//! by pi/2 done with fused multiply-adds (each step exact before its one rounding); `ln` and `atan` are fdlibm's
//! `logf` and `atanf` (as in FreeBSD and musl); tanh is Cephes' odd polynomial below 0.625 and
//! 1 - 2 / (e^2|x| + 1) above, with the f32 lanes' own exp. All of them without branches, as `vmath.rs`: every
//! lane computes every case and a blend keeps the right one, so the arrays and the AVX registers give the same
//! bits. The worst error against libm (f64 libm rounded to f32) is stated on each function and measured by the
//! tests at the bottom: f32 results are a few f32 ulps from the correctly rounded value, as in other f32 math
//! libraries (XLA's among them), where the f64 route was within one.

// The constants are as their sources print them (each rounds to the intended f32).
#![allow(clippy::excessive_precision)]

use super::lanes::Lanes;
use super::vmath::{atan_reduce, call_widened, eq, gt, horner, kernels_needed, mod4, quadrant, Widen};
use crate::expr::Func;

/// f32 lanes with the bit-level steps the functions need.
pub trait F32Lanes: Lanes + Widen {
    /// For a positive normal finite lane: its mantissa in [1, 2) and its exponent, as floats.
    fn split_exponent(self) -> (Self, Self);
    /// |self| with the sign of `sign`.
    fn copysign(self, sign: Self) -> Self;
}

/// Every lane `c` (an f32 constant: exact).
#[inline(always)]
fn k<V: Lanes>(c: f32) -> V {
    V::splat(c as f64)
}

/// Lanes rounded to the nearest integer, ties to even, for |v| < 2^22.
#[inline(always)]
fn round_small<V: Lanes>(v: V) -> V {
    const M: f32 = 12_582_912.0; // 1.5 * 2^23
    (v + k(M)) - k(M)
}

/// Which of sin and cos.
#[derive(Clone, Copy, PartialEq)]
enum Trig {
    Sin,
    Cos,
}

/// Beyond this, sin and cos take the f64 route (the reduction is good much further: this keeps n small).
const TRIG_LIMIT: f64 = 65_536.0;

#[inline(always)]
fn trig<V: F32Lanes>(x: V, which: Trig) -> V {
    // pi/2 in three f32 parts (the third's error is 1e-23).
    const P1: f32 = 1.570_796_370_506_286_6;
    const P2: f32 = -4.371_138_828_673_793e-8;
    const P3: f32 = -1.715_124_510_005_881_9e-15;
    const S: [f32; 3] = [-1.666_665_461_1e-1, 8.332_160_873_6e-3, -1.951_529_589_1e-4];
    const C: [f32; 3] = [
        4.166_664_568_298_827e-2,
        -1.388_731_625_493_765e-3,
        2.443_315_711_809_948e-5,
    ];
    let near = x.within(TRIG_LIMIT);
    let n = round_small(x * k(std::f32::consts::FRAC_2_PI));
    // x - n P1 is exact (a multiple of 2^-23 below 2 in magnitude); each step rounds once.
    let r = n.neg_mul_add(k(P1), x);
    let r = n.neg_mul_add(k(P2), r);
    let r = n.neg_mul_add(k(P3), r);
    let z = r * r;
    let q = mod4(n, round_small(n * k(0.25)));
    let (need_s, need_c) = kernels_needed(q, which == Trig::Cos);
    let s = if need_s {
        (r * z).mul_add(horner(z, &S), r)
    } else {
        k(0.0)
    };
    let c = if need_c {
        (z * z).mul_add(horner(z, &C), z.neg_mul_add(k(0.5), k(1.0)))
    } else {
        k(0.0)
    };
    let v = quadrant(s, c, q, which == Trig::Cos);
    if near == V::ALL {
        return v;
    }
    // The lanes beyond the limit (and infinities and NaN) from the f64 route, the others as computed: a lane's
    // value does not depend on the lanes beside it (AVX-512 code computes 16 lanes at a time, AVX2 code 8).
    let far = call_widened(
        x,
        match which {
            Trig::Sin => Func::Sin,
            Trig::Cos => Func::Cos,
        },
    );
    v.select(near, far)
}

/// sin x in f32. Worst error against libm: 2 f32 ulp.
#[inline(always)]
pub fn sin<V: F32Lanes>(x: V) -> V {
    trig(x, Trig::Sin)
}

/// cos x in f32. Worst error against libm: 2 f32 ulp.
#[inline(always)]
pub fn cos<V: F32Lanes>(x: V) -> V {
    trig(x, Trig::Cos)
}

/// ln x: fdlibm's `logf` (f = m - 1, s = f / (2 + f), ln(1 + f) = f - f²/2 + s (f²/2 + R(s²))). Worst error
/// against libm over every positive f32: 1 f32 ulp. ln 0 = -inf, ln of a negative = NaN, ln inf = inf.
#[inline(always)]
pub fn ln<V: F32Lanes>(x: V) -> V {
    const LN2_HI: f32 = 6.931_381_225_6e-1;
    const LN2_LO: f32 = 9.058_000_614_5e-6;
    const LG: [f32; 4] = [0.666_666_626_93, 0.400_009_721_52, 0.284_987_866_88, 0.242_790_788_41];
    let sub = x.le(k(f32::MIN_POSITIVE));
    let xs = (x * k(33_554_432.0)).select(sub, x); // 2^25
    let (m, e) = xs.split_exponent();
    let e = (e - k(25.0)).select(sub, e);
    let high = gt(m, k(std::f32::consts::SQRT_2));
    let (m, e) = ((m * k(0.5)).select(high, m), (e + k(1.0)).select(high, e));
    let f = m - k(1.0);
    let s = f / (f + k(2.0));
    let z = s * s;
    let w = z * z;
    let t1 = w * w.mul_add(k(LG[3]), k(LG[1]));
    let t2 = z * w.mul_add(k(LG[2]), k(LG[0]));
    let r = t2 + t1;
    let hfsq = k::<V>(0.5) * f * f;
    let v = e * k(LN2_HI) - ((hfsq - (s * (hfsq + r) + e * k(LN2_LO))) - f);
    let positive = !x.le(k(0.0)) & x.within(f32::MAX as f64);
    if positive == V::ALL {
        return v;
    }
    // 0 -> -inf, +inf -> +inf, negatives and NaN -> NaN.
    let special = k::<V>(f32::NEG_INFINITY).select(eq(x, k(0.0)), x.select(gt(x, k(0.0)), k(f32::NAN)));
    v.select(positive, special)
}

/// atan x: fdlibm's `atanf`, its five intervals picked by blends. Worst error against libm: 1 f32 ulp.
#[inline(always)]
pub fn atan<V: F32Lanes>(x: V) -> V {
    const AT: [f32; 5] = [
        3.333_332_836_6e-1,
        -1.999_915_838_2e-1,
        1.425_363_570_5e-1,
        -1.064_801_737_7e-1,
        6.168_760_731_8e-2,
    ];
    // Interval: [lower bound, atan hi, atan lo, and (p, q, r, s) with t = (p a - q) / (r + s a)].
    const IV: [[f32; 7]; 4] = [
        [0.4375, 4.636_476_039_9e-1, 5.012_158_244_0e-9, 2.0, 1.0, 2.0, 1.0],
        [0.6875, 7.853_981_256_5e-1, 3.774_894_707_9e-8, 1.0, 1.0, 1.0, 1.0],
        [1.1875, 9.827_936_887_7e-1, 3.447_321_717_0e-8, 1.0, 1.5, 1.0, 1.5],
        [2.4375, 1.570_796_251_3, 7.549_789_415_9e-8, 0.0, 1.0, 0.0, 1.0],
    ];
    let (hi, lo, t) = atan_reduce(x.abs(), &IV);
    let z = t * t;
    let w = z * z;
    let s1 = z * horner(w, &[AT[0], AT[2], AT[4]]);
    let s2 = w * horner(w, &[AT[1], AT[3]]);
    let v = hi - ((t * (s1 + s2) - lo) - t);
    v.copysign(x)
}

/// tanh x: Cephes' odd polynomial below 0.625, 1 - 2 / (e^2|x| + 1) above (e^2|x| overflowing to inf gives
/// 1). Worst error against libm: 2 f32 ulp.
#[inline(always)]
pub fn tanh<V: F32Lanes>(x: V) -> V {
    const T: [f32; 5] = [
        -3.333_328_194_22e-1,
        1.333_144_220_36e-1,
        -5.373_971_555_31e-2,
        2.063_908_879_54e-2,
        -5.704_988_727_45e-3,
    ];
    let a = x.abs();
    let z = a * a;
    let small = (z * a).mul_add(horner(z, &T), a);
    let e = (a + a).exp();
    let large = k::<V>(1.0) - k::<V>(2.0) / (e + k(1.0));
    small.select(a.le(k(0.625)), large).copysign(x)
}

/// The grammar's function `f` on f32 lanes: native for sin, cos, ln, atan and tanh, the f64 route for the rest
/// (exp and abs are the lanes' own).
#[inline(always)]
pub fn call<V: F32Lanes>(x: V, f: Func) -> V {
    match f {
        Func::Sin => sin(x),
        Func::Cos => cos(x),
        Func::Ln => ln(x),
        Func::Atan => atan(x),
        Func::Tanh => tanh(x),
        _ => call_widened(x, f),
    }
}

#[cfg(test)]
mod tests {
    use super::super::lanes::{CallOutOfLine, F32x8, Lanes};
    use crate::expr::Func;

    /// Distance in f32 units in the last place (0 for equal bits or two NaNs; across zero counts both sides).
    fn ulps(a: f32, b: f32) -> u64 {
        if a.is_nan() && b.is_nan() {
            return 0;
        }
        if a.is_nan() || b.is_nan() {
            return u64::MAX;
        }
        let ord = |x: f32| {
            let b = x.to_bits() as i32 as i64;
            if b < 0 {
                i32::MIN as i64 - b
            } else {
                b
            }
        };
        ord(a).abs_diff(ord(b))
    }

    /// libm's f64 function rounded to f32: the correctly rounded value but for a double rounding.
    fn libm(f: Func, x: f32) -> f32 {
        let x = x as f64;
        (match f {
            Func::Sin => x.sin(),
            Func::Cos => x.cos(),
            Func::Ln => x.ln(),
            Func::Atan => x.atan(),
            Func::Tanh => x.tanh(),
            _ => unreachable!("only the native functions are checked here"),
        }) as f32
    }

    /// The worst distance from libm over `xs`, with its argument.
    fn worst(f: Func, xs: impl Iterator<Item = f32>) -> (u64, f32) {
        let xs: Vec<f32> = xs.collect();
        let mut w = (0, 0.0);
        for c in xs.chunks(8) {
            let mut v = [0.0; 8];
            v[..c.len()].copy_from_slice(c);
            let out = F32x8(v).call_out_of_line(f);
            for (i, &x) in c.iter().enumerate() {
                let d = ulps(out.lane(i) as f32, libm(f, x));
                if d > w.0 {
                    w = (d, x);
                }
            }
        }
        w
    }

    /// Every `step`-th f32 bit pattern from `lo` to `hi` (both positive), both signs when `signed`.
    fn patterns(lo: f32, hi: f32, step: u32, signed: bool) -> impl Iterator<Item = f32> {
        (lo.to_bits()..=hi.to_bits())
            .step_by(step as usize)
            .map(f32::from_bits)
            .flat_map(move |x| if signed { vec![x, -x] } else { vec![x] })
    }

    const EDGES: [f32; 14] = [
        0.0,
        -0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        1e-45,
        f32::MAX,
        f32::MIN,
    ];

    /// Each native function over its whole f32 domain (a sweep through the bit patterns, dense where the
    /// function is hardest) within the bound stated on it, and libm's values at the edges.
    #[test]
    fn native_f32_functions_are_accurate_over_their_domains() {
        // Near every multiple of pi/2 up to the native limit (the zeros of sin and cos), where the reduction
        // cancels most, and every 509th pattern up to the limit, both signs.
        let trig: Vec<f32> = (1..41_722)
            .flat_map(|n| {
                let c = (n as f64 * std::f64::consts::FRAC_PI_2) as f32;
                (-8..=8).map(move |d| f32::from_bits((c.to_bits() as i32 + d) as u32))
            })
            .chain(patterns(1e-45, 65_536.0, 509, true))
            .collect();
        let cases: [(Func, u64, Vec<f32>); 5] = [
            (Func::Sin, 2, trig.clone()),
            (Func::Cos, 2, trig),
            (Func::Ln, 1, patterns(1e-45, f32::MAX, 401, false).collect()),
            (Func::Atan, 1, patterns(1e-45, f32::MAX, 809, true).collect()),
            (Func::Tanh, 2, patterns(1e-45, 12.0, 211, true).collect()),
        ];
        for (f, bound, xs) in cases {
            let edges = worst(f, EDGES.into_iter());
            assert!(edges.0 <= bound, "{f:?} at the edge {:e}: {} ulp", edges.1, edges.0);
            let over = worst(f, xs.into_iter());
            let w = if over.0 > edges.0 { over } else { edges };
            eprintln!("{f:?} (f32): worst {} ulp (at {:e})", w.0, w.1);
            assert!(w.0 <= bound, "{f:?}: {} ulp at {:e}, more than {bound}", w.0, w.1);
        }
    }
}
