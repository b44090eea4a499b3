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

/// Three significant digits, for legends: 0.228, -1.63, -6.55, 1.2e-7 (a value within 1e-9 of 0 is 0).
pub fn short(v: f64) -> String {
    if v.abs() < 1e-9 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        let s = format!("{v:.2e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        return format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'));
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
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
pub fn json<T: serde::Serialize + ?Sized>(v: &T) -> String {
    let mut out = Vec::new();
    // Writing into a Vec fails only if serialising does, which our reports never do.
    let _ = write_json(&mut out, v);
    String::from_utf8(out).unwrap_or_default()
}

/// [`json`], streamed to a writer: a 10^7-epoch trajectory goes out point by point instead of being built
/// as a tree of values first (which took 3.1 GB for 470 MB of text).
pub fn write_json<T: serde::Serialize + ?Sized>(w: impl std::io::Write, v: &T) -> std::io::Result<()> {
    let mut w = w;
    let mut ser = serde_json::Serializer::with_formatter(&mut w, Layout::default());
    v.serialize(&mut ser).map_err(std::io::Error::other)?;
    w.write_all(b"\n")
}

/// How an array is laid out, decided by its first element: numbers inline, anything else one per line.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Undecided,
    Inline,
    Block,
    Object { keys: bool },
}

/// serde_json's formatter for [`json`]'s layout. An array element's separator is written only when the
/// element's first token shows what it is.
#[derive(Default)]
struct Layout {
    stack: Vec<Mode>,
    /// An array element about to start, and whether it is the first.
    pending: Option<bool>,
}

impl Layout {
    fn indent<W: std::io::Write + ?Sized>(&self, w: &mut W, depth: usize) -> std::io::Result<()> {
        for _ in 0..depth {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Writes what goes before a value that starts now: `block` for a container or a string.
    fn value<W: std::io::Write + ?Sized>(&mut self, w: &mut W, block: bool) -> std::io::Result<()> {
        let Some(first) = self.pending.take() else {
            return Ok(());
        };
        let depth = self.stack.len();
        let top = self.stack.last_mut().expect("an array element is inside an array");
        if *top == Mode::Undecided {
            *top = if block { Mode::Block } else { Mode::Inline };
        }
        match *top {
            Mode::Inline if !first => w.write_all(b", "),
            Mode::Block => {
                w.write_all(if first { b"\n" } else { b",\n" })?;
                self.indent(w, depth)
            }
            _ => Ok(()),
        }
    }
}

macro_rules! scalar {
    ($($name:ident: $t:ty),*) => {$(
        fn $name<W: std::io::Write + ?Sized>(&mut self, w: &mut W, v: $t) -> std::io::Result<()> {
            self.value(w, false)?;
            serde_json::ser::CompactFormatter.$name(w, v)
        }
    )*};
}

impl serde_json::ser::Formatter for Layout {
    scalar!(write_bool: bool, write_i8: i8, write_i16: i16, write_i32: i32, write_i64: i64, write_i128: i128,
        write_u8: u8, write_u16: u16, write_u32: u32, write_u64: u64, write_u128: u128, write_f32: f32,
        write_f64: f64);

    fn write_null<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.value(w, false)?;
        w.write_all(b"null")
    }

    fn begin_string<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.value(w, true)?;
        w.write_all(b"\"")
    }

    fn begin_array<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.value(w, true)?;
        self.stack.push(Mode::Undecided);
        w.write_all(b"[")
    }

    fn begin_array_value<W: std::io::Write + ?Sized>(&mut self, _: &mut W, first: bool) -> std::io::Result<()> {
        self.pending = Some(first);
        Ok(())
    }

    fn end_array_value<W: std::io::Write + ?Sized>(&mut self, _: &mut W) -> std::io::Result<()> {
        Ok(())
    }

    fn end_array<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.stack.pop() == Some(Mode::Block) {
            w.write_all(b"\n")?;
            self.indent(w, self.stack.len())?;
        }
        w.write_all(b"]")
    }

    fn begin_object<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.value(w, true)?;
        self.stack.push(Mode::Object { keys: false });
        w.write_all(b"{")
    }

    fn begin_object_key<W: std::io::Write + ?Sized>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if let Some(Mode::Object { keys }) = self.stack.last_mut() {
            *keys = true;
        }
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w, self.stack.len())
    }

    fn begin_object_value<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object<W: std::io::Write + ?Sized>(&mut self, w: &mut W) -> std::io::Result<()> {
        if self.stack.pop() == Some(Mode::Object { keys: true }) {
            w.write_all(b"\n")?;
            self.indent(w, self.stack.len())?;
        }
        w.write_all(b"}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legends_take_three_digits() {
        assert_eq!(short(0.228279), "0.228");
        assert_eq!(short(-1.62553), "-1.63");
        assert_eq!(short(-6.55113), "-6.55");
        assert_eq!(short(-3.9e-26), "0");
        assert_eq!(short(1234.6), "1235");
        assert_eq!(short(2.5e-5), "2.5e-5");
    }

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
        let v = serde_json::json!({"end": [1.5, -2.0], "trajectory": [[1.0, 2.0], [3.0, 4.0]], "o": {}, "n": null,
            "e": [], "names": ["a", "b"], "runs": [{"k": 1}, {"k": 2}]});
        let text = json(&v);
        assert!(
            text.contains("\"end\": [1.5, -2.0]") && text.contains("    [1.0, 2.0],\n    [3.0, 4.0]\n"),
            "{text}"
        );
        assert!(text.contains("\"o\": {},\n") && text.contains("\"e\": [],\n"), "{text}");
        assert!(text.contains("  \"names\": [\n    \"a\",\n    \"b\"\n  ],"), "{text}");
        assert!(
            text.contains("  \"runs\": [\n    {\n      \"k\": 1\n    },\n    {"),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<serde_json::Value>(&text).unwrap(), v);
    }
}
