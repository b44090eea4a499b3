//! Value ranges for axes and colours, safe for any finite range: the width of [-1e308, 1e308] overflows, and
//! a step of 1 at 1e16 does not move a float, so both are handled here instead of by loops that never end.

/// Where `v` lies between `lo` and `hi`, as a fraction (0 at `lo`, 1 at `hi`), computed so that the range's
/// width never overflows (values outside give fractions outside [0, 1]; NaN stays NaN).
pub fn fraction(v: f64, lo: f64, hi: f64) -> f64 {
    let half_width = hi / 2.0 - lo / 2.0;
    if half_width > 0.0 {
        (v / 2.0 - lo / 2.0) / half_width
    } else {
        0.5
    }
}

/// The value at fraction `t` of the way from `a` to `b`, without overflow.
pub fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a * (1.0 - t) + b * t
}

/// Round tick values inside [lo, hi] (1, 2, 2.5 or 5 times a power of ten apart), about `target` of them
/// and never more than `2 * target + 1`. Empty for a range that is not finite; one tick for an empty range.
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || lo > hi || target == 0 {
        return Vec::new();
    }
    if lo == hi {
        return vec![lo];
    }
    // The width over target, without computing the width itself (it may overflow).
    let raw = (hi / 2.0 - lo / 2.0) / target as f64 * 2.0;
    if !(raw.is_finite() && raw > 0.0) {
        return vec![lo, hi];
    }
    let magnitude = 10f64.powi(raw.log10().floor() as i32);
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * magnitude);
    let (first, last) = ((lo / step).ceil(), (hi / step).floor());
    // Beyond 2^52 steps from 0, consecutive multiples of the step are no longer distinct floats: the range
    // is too narrow for its magnitude to have round ticks inside it.
    if !(first.is_finite() && last.is_finite()) || first.abs().max(last.abs()) > 4.5e15 {
        return vec![lo, hi];
    }
    let mut ticks: Vec<f64> = Vec::new();
    let mut k = first;
    while k <= last && ticks.len() <= 2 * target {
        let v = k * step;
        // Zero, not a tiny remainder of rounding.
        ticks.push(if v.abs() < step * 1e-9 { 0.0 } else { v });
        k += 1.0;
    }
    ticks
}

/// A tick label: short, no float noise, exponents for very large and very small values ("1e+308", "2.5e-05").
pub fn label(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        let s = format!("{v:.3e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = mantissa.trim_end_matches('0').trim_end_matches('.');
        let exp: i32 = exp.parse().unwrap_or(0);
        return format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs());
    }
    let s = format!("{:.6}", v);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_inside() {
        assert_eq!(nice_ticks(-3.0, 3.0, 6), vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_ticks(0.0, 1.0, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(nice_ticks(-6.55, 8.1, 7), vec![-5.0, -2.5, 0.0, 2.5, 5.0, 7.5]);
    }

    #[test]
    fn enormous_and_narrow_ranges_end() {
        // The width of [-1e308, 1e308] overflows.
        let t = nice_ticks(-1e308, 1e308, 7);
        assert!(
            !t.is_empty() && t.len() <= 15 && t.iter().all(|v| v.is_finite()),
            "{t:?}"
        );
        assert!(t.windows(2).all(|w| w[0] < w[1]), "{t:?}");
        // A step of 1 at 1e16 does not move a float.
        let t = nice_ticks(1e16, 1e16 + 4.0, 5);
        assert!(t.len() <= 11, "{t:?}");
        assert!(nice_ticks(f64::NEG_INFINITY, 1.0, 5).is_empty());
        assert!(nice_ticks(0.0, f64::NAN, 5).is_empty());
        assert_eq!(nice_ticks(2.0, 2.0, 5), vec![2.0]);
        assert_eq!(fraction(0.0, -1e308, 1e308), 0.5);
        assert_eq!(fraction(1e308, -1e308, 1e308), 1.0);
        assert!(fraction(f64::NAN, 0.0, 1.0).is_nan());
        assert_eq!(lerp(-1e308, 1e308, 0.5), 0.0);
    }

    #[test]
    fn labels_are_short() {
        assert_eq!(label(0.30000000000000004), "0.3");
        assert_eq!(label(-0.0), "0");
        assert_eq!(label(2.0), "2");
        assert_eq!(label(80.0), "80");
        assert_eq!(label(1e308), "1e+308");
        assert_eq!(label(-2.5e-5), "-2.5e-05");
        assert_eq!(label(1234567.0), "1.235e+06");
    }
}
