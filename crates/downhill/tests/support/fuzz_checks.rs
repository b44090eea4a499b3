#![allow(dead_code)] // Each fuzz target uses one of these.
//! The properties the fuzz targets check (`fuzz/fuzz_targets/`), shared with the tests that replay their
//! corpora (`tests/fuzz_corpora.rs`), so a stable build checks every input the fuzzers kept. Each returns an
//! error describing a violated property; any panic is a failure too.

use downhill::{Function, ParseErrorKind};

/// Points where functions are compared: ordinary ones, and a few where parts of the catalog are singular.
pub const POINTS: [[f64; 2]; 6] = [
    [0.3, -0.7],
    [-1.1, 0.4],
    [0.9, 1.2],
    [2.5, -2.5],
    [0.0, 0.0],
    [-0.05, 3.0],
];

/// Text the fuzzer gives: its bytes as UTF-8 (invalid sequences replaced), at most a little past the
/// grammar's length limit so the limit itself is exercised.
pub fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(&data[..data.len().min(12_000)]).into_owned()
}

/// Parsing any text ends in a function or an error whose span lies inside the text on character
/// boundaries, and a function can be evaluated anywhere.
pub fn parse(text: &str) -> Result<(), String> {
    match Function::resolve(text) {
        Ok(f) => {
            for p in POINTS {
                let _ = f.second_order(p);
            }
            Ok(())
        }
        Err(e) => {
            let (start, end) = (e.span.start, e.span.end);
            if start > end || end > text.len() {
                return Err(format!("span {start}..{end} outside a text of {} bytes", text.len()));
            }
            if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
                return Err(format!("span {start}..{end} not on character boundaries"));
            }
            if e.to_string().is_empty() {
                return Err("an empty message".into());
            }
            Ok(())
        }
    }
}

fn close(a: f64, b: f64) -> bool {
    if !(a.is_finite() && b.is_finite()) {
        // Both not finite, or one rounding past the largest float where the other stays just below it.
        return !(a.is_finite() || b.is_finite()) || a.abs().max(b.abs()) > 1e300;
    }
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

/// Moderate values, where two evaluation orders may be compared (cancellation in huge intermediates makes
/// any two orders disagree, which says nothing about the printer).
fn comparable(v: &[f64]) -> bool {
    v.iter().all(|x| x.is_finite() && x.abs() < 1e6)
}

fn refused_as_undefined(text: &str) -> Result<Option<Function>, String> {
    match Function::parse(text) {
        Ok(f) => Ok(Some(f)),
        Err(e) if matches!(e.kind, ParseErrorKind::Undefined(_)) => Ok(None),
        Err(e) => Err(format!("printed text '{text}' does not parse back: {e}")),
    }
}

/// A function's printed formula and derivatives parse back (the printer writes the input grammar) to the same
/// values; a printed derivative may only be refused for an undefined constant part (`ln(-pi^2)` in the
/// derivative of `(-pi^2)^x`).
pub fn round_trip(text: &str) -> Result<(), String> {
    let Ok(f) = Function::resolve(text) else {
        return Ok(());
    };
    let printed = f.text();
    let Some(again) = refused_as_undefined(&printed)? else {
        return Err(format!("'{text}' prints as '{printed}', which is refused as undefined"));
    };
    let [gx, gy] = f.gradient_text();
    let (gx, gy) = (refused_as_undefined(&gx)?, refused_as_undefined(&gy)?);
    for p in POINTS {
        let (v, w) = (f.value(p), again.value(p));
        if comparable(&[v, w]) && !close(v, w) {
            return Err(format!("'{text}' -> '{printed}' at {p:?}: {v} vs {w}"));
        }
        let g = f.gradient(p);
        for (k, d) in [&gx, &gy].into_iter().enumerate() {
            if let Some(d) = d {
                let u = d.value(p);
                if comparable(&[g[k], u]) && !close(g[k], u) {
                    return Err(format!("'{text}' gradient {k} at {p:?}: {} vs {u}", g[k]));
                }
            }
        }
    }
    Ok(())
}

/// The machine code computes exactly what the interpreter computes, at points the fuzzer picks too: the input
/// is an expression, a NUL byte, then 16 bytes per point.
pub fn compiled(data: &[u8]) -> Result<(), String> {
    let (expr, rest) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(f) = Function::resolve(&text(expr)) else {
        return Ok(());
    };
    let mut points: Vec<[f64; 2]> = POINTS.to_vec();
    for chunk in rest.chunks_exact(16).take(64) {
        let x = f64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
        let y = f64::from_le_bytes(chunk[8..].try_into().expect("8 bytes"));
        points.push([x, y]);
    }
    downhill::batch::compiled_matches_interpreter(&f, &points).map_err(|e| format!("{}: {e}", f.source()))
}
