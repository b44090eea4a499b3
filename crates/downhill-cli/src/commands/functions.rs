//! `downhill functions`: the catalog as a table or JSON.

use downhill::catalog::{self, ExtremumKind};

use crate::diagnostic::CliError;
use crate::format::{num, point, table};

/// Prints the catalog.
pub fn run(json: bool) -> Result<(), CliError> {
    if json {
        let v = serde_json::to_value(catalog::entries()).map_err(anyhow::Error::from)?;
        return crate::emit_json(&v);
    }
    let mut rows = Vec::new();
    for e in catalog::entries() {
        let d = e.domain;
        let domain = format!("[{}, {}] x [{}, {}]", num(d[0]), num(d[1]), num(d[2]), num(d[3]));
        let globals: Vec<_> = e
            .extrema
            .iter()
            .filter(|x| x.kind == ExtremumKind::GlobalMinimum)
            .collect();
        let global = match globals.first() {
            Some(g) if globals.len() == 1 => format!("{} at {}", num(g.value), point(g.point)),
            Some(g) => format!("{} at {} places", num(g.value), globals.len()),
            None => "-".into(),
        };
        let count = |kinds: &[ExtremumKind]| e.extrema.iter().filter(|x| kinds.contains(&x.kind)).count();
        let minima = count(&[ExtremumKind::GlobalMinimum, ExtremumKind::LocalMinimum]);
        let maxima = count(&[ExtremumKind::GlobalMaximum, ExtremumKind::LocalMaximum]);
        let saddles = count(&[ExtremumKind::Saddle]);
        let mut known = vec![plural(minima, "minimum", "minima")];
        if maxima > 0 {
            known.push(plural(maxima, "maximum", "maxima"));
        }
        if saddles > 0 {
            known.push(plural(saddles, "saddle", "saddles"));
        }
        rows.push(vec![e.name.to_string(), domain, global, known.join(", ")]);
    }
    let mut out = table(&["NAME", "DOMAIN", "GLOBAL MINIMUM", "DOCUMENTED"], &rows);
    out.push_str("\n`downhill functions --json` gives every formula, extremum and source.\n");
    crate::emit(&out)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
