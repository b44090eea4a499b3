//! Numbers of the symbolic engine: exact rationals where the input is (`1/3` stays one third, so derivatives
//! print as `2/3` rather than `0.6666666666666666`), floats otherwise. Arithmetic that would overflow a
//! rational falls back to floats; arithmetic whose result is not finite is refused (the caller keeps the
//! expression unevaluated, so `1/0` stays `1/0` and is reported when evaluated).

use std::cmp::Ordering;

/// A number in an expression.
#[derive(Clone, Copy, Debug)]
pub enum Num {
    /// `p/q` in lowest terms, `q > 0`.
    Rat(i64, i64),
    /// A float, never NaN or infinite, never -0.0.
    Float(f64),
}

impl PartialEq for Num {
    fn eq(&self, other: &Num) -> bool {
        self.key() == other.key()
    }
}
impl Eq for Num {}

impl std::hash::Hash for Num {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.key().hash(state);
    }
}

fn gcd(mut a: i64, mut b: i64) -> i64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.abs()
}

impl Num {
    /// Zero.
    pub const ZERO: Num = Num::Rat(0, 1);
    /// One.
    pub const ONE: Num = Num::Rat(1, 1);
    /// Minus one.
    pub const MINUS_ONE: Num = Num::Rat(-1, 1);

    fn key(&self) -> (u8, i64, i64) {
        match *self {
            Num::Rat(p, q) => (0, p, q),
            Num::Float(f) => (1, f.to_bits() as i64, 0),
        }
    }

    /// An integer.
    pub fn int(n: i64) -> Num {
        Num::Rat(n, 1)
    }

    /// `p/q` reduced; None if `q` is zero or reduction overflows.
    pub fn rat(p: i64, q: i64) -> Option<Num> {
        if q == 0 {
            return None;
        }
        let g = gcd(p, q);
        let (mut p, mut q) = (p / g, q / g);
        if q < 0 {
            p = p.checked_neg()?;
            q = q.checked_neg()?;
        }
        Some(Num::Rat(p, q))
    }

    /// A float, None if not finite.
    pub fn float(v: f64) -> Option<Num> {
        v.is_finite().then_some(Num::Float(if v == 0.0 { 0.0 } else { v }))
    }

    /// Its value as a float (`p/q` rounded once, as Python's `1/3`).
    pub fn value(self) -> f64 {
        match self {
            Num::Rat(p, q) => p as f64 / q as f64,
            Num::Float(f) => f,
        }
    }

    /// Exactly zero.
    pub fn is_zero(self) -> bool {
        self.value() == 0.0
    }

    /// Exactly one.
    pub fn is_one(self) -> bool {
        self.value() == 1.0
    }

    /// Below zero.
    pub fn is_negative(self) -> bool {
        self.value() < 0.0
    }

    /// The integer it is, if it is one (floats count only when exactly integral and small).
    pub fn as_int(self) -> Option<i64> {
        match self {
            Num::Rat(p, 1) => Some(p),
            Num::Rat(..) => None,
            Num::Float(f) => (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64),
        }
    }

    fn combine(
        self,
        other: Num,
        exact: impl Fn(i64, i64, i64, i64) -> Option<Num>,
        approx: impl Fn(f64, f64) -> f64,
    ) -> Option<Num> {
        if let (Num::Rat(a, b), Num::Rat(c, d)) = (self, other) {
            if let Some(n) = exact(a, b, c, d) {
                return Some(n);
            }
        }
        Num::float(approx(self.value(), other.value()))
    }

    /// Sum.
    pub fn checked_add(self, o: Num) -> Option<Num> {
        self.combine(
            o,
            |a, b, c, d| Num::rat(a.checked_mul(d)?.checked_add(c.checked_mul(b)?)?, b.checked_mul(d)?),
            |x, y| x + y,
        )
    }

    /// Product.
    pub fn checked_mul(self, o: Num) -> Option<Num> {
        self.combine(
            o,
            |a, b, c, d| Num::rat(a.checked_mul(c)?, b.checked_mul(d)?),
            |x, y| x * y,
        )
    }

    /// Negation.
    pub fn negated(self) -> Num {
        match self {
            Num::Rat(p, q) => p
                .checked_neg()
                .map_or(Num::Float(-(p as f64) / q as f64), |p| Num::Rat(p, q)),
            Num::Float(f) => Num::Float(if f == 0.0 { 0.0 } else { -f }),
        }
    }

    /// Absolute value.
    pub fn abs(self) -> Num {
        if self.is_negative() {
            self.negated()
        } else {
            self
        }
    }

    /// `self^e`, exactly when both are rationals and `e` is a small integer; None when the result is not a
    /// finite real number or is irrational for rational inputs (`2^(1/2)` stays symbolic).
    pub fn pow(self, e: Num) -> Option<Num> {
        match (self, e) {
            (Num::Rat(p, q), Num::Rat(n, 1)) => {
                if p == 0 && n < 0 {
                    return None;
                }
                let k = u32::try_from(n.unsigned_abs()).ok().filter(|k| *k <= 64)?;
                let exact = p.checked_pow(k).zip(q.checked_pow(k));
                match exact {
                    Some((a, b)) if n >= 0 => Num::rat(a, b),
                    Some((a, b)) => Num::rat(b, a),
                    None => Num::float((p as f64 / q as f64).powi(n as i32)),
                }
            }
            (Num::Rat(..), Num::Rat(..)) => None,
            _ => Num::float(self.value().powf(e.value())),
        }
    }

    /// Ordering by value, for sorting.
    pub fn cmp_value(self, o: Num) -> Ordering {
        self.value().total_cmp(&o.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rationals_stay_exact_and_overflow_to_floats() {
        assert_eq!(Num::int(1).checked_mul(Num::rat(1, 3).unwrap()), Num::rat(1, 3));
        assert_eq!(
            Num::rat(1, 3).unwrap().checked_add(Num::rat(1, 6).unwrap()),
            Num::rat(1, 2)
        );
        assert_eq!(Num::rat(2, -4), Num::rat(-1, 2));
        let big = Num::int(i64::MAX / 2);
        assert!(matches!(big.checked_mul(Num::int(4)), Some(Num::Float(_))));
        assert_eq!(Num::int(2).pow(Num::int(-2)), Num::rat(1, 4));
        assert_eq!(Num::int(0).pow(Num::int(-1)), None);
        assert_eq!(Num::int(2).pow(Num::rat(1, 2).unwrap()), None);
        assert_eq!(Num::float(1e308).unwrap().checked_mul(Num::int(10)), None);
        assert_eq!(Num::rat(1, 3).unwrap().value(), 1.0 / 3.0);
        assert_eq!(Num::int(i64::MIN).negated().value(), 2f64.powi(63));
    }
}
