//! Numbers for people: short, and never hiding that a value is tiny or huge.

/// Six significant digits, trailing zeros dropped; scientific notation outside [1e-4, 1e6).
pub fn num(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if !v.is_finite() {
        return format!("{v}");
    }
    let a = v.abs();
    if !(1e-4..1e6).contains(&a) {
        return format!("{v:.3e}");
    }
    let decimals = (5 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// `(x, y)`.
pub fn point(p: [f64; 2]) -> String {
    format!("({}, {})", num(p[0]), num(p[1]))
}

/// A plain-text table: columns padded to their widest cell (by characters), two spaces apart.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let mut s = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            if i + 1 == cells.len() {
                s.push_str(cell);
            } else {
                s.push_str(&format!("{cell:<w$}  "));
            }
        }
        s.trim_end().to_string() + "\n"
    };
    let mut out = line(headers.to_vec());
    for row in rows {
        out.push_str(&line(row.iter().map(String::as_str).collect()));
    }
    out
}

/// JSON for people and programs alike: objects one key per line, arrays of numbers (a point, a gradient)
/// on one line, so a trajectory is one point per line.
pub fn json(v: &serde_json::Value) -> String {
    let mut out = String::new();
    write_json(v, 0, &mut out);
    out.push('\n');
    out
}

fn write_json(v: &serde_json::Value, depth: usize, out: &mut String) {
    use serde_json::Value;
    let indent = |d: usize| "  ".repeat(d);
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, x)) in map.iter().enumerate() {
                out.push_str(&indent(depth + 1));
                out.push_str(&Value::String(k.clone()).to_string());
                out.push_str(": ");
                write_json(x, depth + 1, out);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&indent(depth));
            out.push('}');
        }
        Value::Array(xs) if xs.iter().any(|x| x.is_object() || x.is_array() || x.is_string()) => {
            out.push_str("[\n");
            for (i, x) in xs.iter().enumerate() {
                out.push_str(&indent(depth + 1));
                write_json(x, depth + 1, out);
                out.push_str(if i + 1 < xs.len() { ",\n" } else { "\n" });
            }
            out.push_str(&indent(depth));
            out.push(']');
        }
        Value::Array(xs) => {
            let items: Vec<String> = xs.iter().map(Value::to_string).collect();
            out.push_str(&format!("[{}]", items.join(", ")));
        }
        _ => out.push_str(&v.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_honest() {
        assert_eq!(num(0.29644577), "0.296446");
        assert_eq!(num(-6.551133332835841), "-6.55113");
        assert_eq!(num(1000.0), "1000");
        assert_eq!(num(1.5e-9), "1.500e-9");
        assert_eq!(num(2.5e12), "2.500e12");
        assert_eq!(num(-0.0000001), "-1.000e-7");
        assert_eq!(num(f64::NAN), "NaN");
    }

    #[test]
    fn json_keeps_points_on_one_line_and_parses_back() {
        let v = serde_json::json!({"end": [1.5, -2.0], "trajectory": [[1.0, 2.0], [3.0, 4.0]], "o": {}, "n": null});
        let text = json(&v);
        assert!(
            text.contains("\"end\": [1.5, -2.0]") && text.contains("    [1.0, 2.0],\n    [3.0, 4.0]\n"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }
}
