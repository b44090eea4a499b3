//! Built-in test functions. Each one is a formula *text* in the expression grammar, parsed and differentiated
//! by the same engine as a user's expression (no hand-written gradients), with a default plot domain and its
//! documented extrema and where those figures come from.

mod data;

use serde::Serialize;

/// What kind of stationary point a documented extremum is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtremumKind {
    /// The lowest value on the domain (one of several if they tie).
    GlobalMinimum,
    /// A minimum that is not the lowest.
    LocalMinimum,
    /// The highest value on the domain.
    GlobalMaximum,
    /// A maximum that is not the highest.
    LocalMaximum,
    /// A saddle point.
    Saddle,
}

/// A documented stationary point of a catalog function.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Extremum {
    /// Minimum, maximum or saddle.
    pub kind: ExtremumKind,
    /// Where it is, `[x, y]`, to full double precision (refined by Newton's method from the formula).
    pub point: [f64; 2],
    /// The function's value there.
    pub value: f64,
    /// True where the function is not differentiable at this point (a kink: `abs`, `sqrt` of zero), so the
    /// gradient need not vanish there.
    pub nonsmooth: bool,
}

/// One built-in function.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct CatalogEntry {
    /// The name used on the command line (`peaks`, `six-hump-camel`).
    pub name: &'static str,
    /// A human title ("Six-hump camel function").
    pub title: &'static str,
    /// The formula in the expression grammar.
    pub formula: &'static str,
    /// The default plot domain `[xmin, xmax, ymin, ymax]`.
    pub domain: [f64; 4],
    /// Documented minima, maxima and saddles.
    pub extrema: &'static [Extremum],
    /// Where the formula and the figures come from.
    pub source: &'static str,
}

/// Every built-in function, `peaks` first.
pub fn entries() -> &'static [CatalogEntry] {
    data::ENTRIES
}

/// Looks a function up by name. Case does not matter, nor which single separator (`-`, `_`, space or `.`)
/// stands between two words (`six_hump_camel`, `Six-Hump-Camel`); surrounding spaces are ignored. Anything
/// else is not a name: `-peaks` is the expression minus peaks, not peaks.
pub fn lookup(name: &str) -> Option<&'static CatalogEntry> {
    let key = normalize(name.trim())?;
    entries()
        .iter()
        .find(|e| normalize(e.name).as_deref() == Some(key.as_str()))
}

/// The words of a name, lowercased and joined, if it is a name: words of letters and digits with one
/// separator between two of them.
fn normalize(name: &str) -> Option<String> {
    let mut out = String::new();
    for word in name.split(['-', '_', ' ', '.']) {
        if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphanumeric()) {
            return None;
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    Some(out)
}
