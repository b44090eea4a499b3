//! What figures share: checking output paths before any work, plot errors, titles.

use std::path::Path;

use downhill::Function;
use downhill_plot::Format;

use crate::diagnostic::CliError;
use crate::output::{self, Output};

/// The format of an output path and the output itself, checked before any work: a known extension among
/// `allowed`, a place that can be written ([`output::prepare`]).
pub fn target(path: &Path, allowed: &[Format], what: &str) -> Result<(Format, Output), CliError> {
    let format = Format::from_path(path).map_err(|e| CliError::input(e.to_string()))?;
    if !allowed.contains(&format) {
        let names: Vec<&str> = allowed.iter().map(|f| extension(*f)).collect();
        return Err(CliError::input(format!(
            "'{}': the {what} can be {}",
            path.display(),
            names.join(" or ")
        )));
    }
    Ok((format, output::prepare(path, what)?))
}

fn extension(f: Format) -> &'static str {
    match f {
        Format::Png => ".png",
        Format::Svg => ".svg",
        Format::Gif => ".gif",
    }
}

/// A plot error as a failure (a drawing or encoding error is not the user's fault).
pub fn failed(e: downhill_plot::PlotError) -> CliError {
    CliError::Failure(anyhow::anyhow!(e))
}

/// A short name for titles: the catalog name or the formula.
pub fn name(f: &Function) -> String {
    f.name()
        .map(str::to_string)
        .unwrap_or_else(|| format!("f = {}", f.text()))
}

/// A learning rate as Python prints it in the seed's titles (0.01, 1e-05).
pub fn python_float(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-4 || v.abs() >= 1e16) {
        let s = format!("{v:e}");
        let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
        let e: i32 = e.parse().unwrap_or(0);
        format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
    } else {
        format!("{v:?}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learning_rates_print_as_in_python() {
        assert_eq!(python_float(0.01), "0.01");
        assert_eq!(python_float(0.00001), "1e-05");
        assert_eq!(python_float(0.5), "0.5");
        assert_eq!(python_float(1.0), "1.0");
    }
}
