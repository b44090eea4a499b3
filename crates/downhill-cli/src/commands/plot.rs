//! What figures share: checking output paths before any work, plot errors, titles.

use std::path::Path;

use downhill::{Function, RunResult};
use downhill_plot::{Chart, Figure, Format, Glyph, Series};

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

/// The share of a figure's width its loss curves take, beside the landscapes.
const CURVES_SHARE: f64 = 0.4;

/// A run's f and gradient norm per epoch: epoch 0 is the start, then every kept update.
fn per_epoch(f: &Function, r: &RunResult) -> (Vec<[f64; 2]>, Vec<[f64; 2]>) {
    let (v0, g0) = f.value_gradient_with(r.start, &mut Vec::new());
    let mut values = vec![[0.0, v0]];
    let mut norms = vec![[0.0, g0[0].hypot(g0[1])]];
    for (k, (v, g)) in r.values.iter().zip(&r.gradients).enumerate() {
        let epoch = ((k as u64 + 1) * r.stride) as f64;
        values.push([epoch, *v]);
        norms.push([epoch, g[0].hypot(g[1])]);
    }
    (values, norms)
}

/// Loss curves of runs, one line per run in its colour: f per epoch (a log axis when every value is positive
/// and they span more than two decades) and the gradient norm per epoch on a log axis.
pub fn loss_curves(f: &Function, runs: &[(&RunResult, [u8; 3], String)]) -> Vec<Chart> {
    let mut value = Chart::new("epoch", "f");
    let mut gradient = Chart::new("epoch", "gradient norm");
    gradient.log_y = true;
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for (r, color, name) in runs {
        let (values, norms) = per_epoch(f, r);
        for v in values.iter().map(|p| p[1]).filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        value.series.push(Series::line(values, *color));
        gradient.series.push(Series::line(norms, *color));
        if runs.len() > 1 {
            value.legend.push((name.clone(), Glyph::Line(*color)));
        }
    }
    value.log_y = lo > 0.0 && hi / lo > 100.0;
    vec![value, gradient]
}

/// The figure with `charts` in a column on its right, the figure widened so the panels keep their size
/// (within the largest figure allowed).
pub fn beside<'a>(mut fig: Figure<'a>, charts: Vec<Chart>) -> Figure<'a> {
    fig.width = ((fig.width as f64 / (1.0 - CURVES_SHARE)).round() as u32).min(crate::settings::MAX_PIXELS as u32);
    fig.charts = charts;
    fig.charts_beside = Some(CURVES_SHARE);
    fig
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
