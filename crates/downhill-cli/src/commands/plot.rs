//! What figures share: resolving the look options, checking output paths before any work, writing files.

use std::path::Path;

use downhill::{catalog, Function};
use downhill_plot::{Colormap, Format};

use crate::args::PlotArgs;
use crate::diagnostic::CliError;
use crate::output::{self, Output};

/// The look of a figure, validated.
#[derive(Clone, Debug)]
pub struct Look {
    /// The plotted region.
    pub domain: [f64; 4],
    /// Colour map.
    pub colormap: Colormap,
    /// Colour clipping.
    pub vmin: Option<f64>,
    /// Colour clipping.
    pub vmax: Option<f64>,
    /// Contour levels.
    pub contours: usize,
    /// Gradient field.
    pub quiver: bool,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// dpi / 100.
    pub scale: f64,
}

/// The largest side of a figure in pixels.
const MAX_PIXELS: f64 = 8000.0;

/// Resolves the options for a function; `ascent` picks the second notebook's colour map by default.
pub fn look(a: &PlotArgs, f: &Function, ascent: bool) -> Result<Look, CliError> {
    let entry = f.name().and_then(catalog::lookup);
    let domain = a.domain.or(entry.map(|e| e.domain)).unwrap_or([-3.0, 3.0, -3.0, 3.0]);
    downhill::run::check_region("--domain", domain).map_err(|e| CliError::input(e.to_string()))?;
    for (flag, v) in [("--vmin", a.vmin), ("--vmax", a.vmax)] {
        if let Some(v) = v.filter(|v| !v.is_finite()) {
            return Err(CliError::input(format!("{flag} must be a finite number (got {v})")));
        }
    }
    let colormap = match &a.colormap {
        Some(name) => Colormap::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Colormap::ALL.iter().map(|(_, n)| *n).collect();
            CliError::input(format!(
                "unknown colour map '{name}' (choose one of: {})",
                names.join(", ")
            ))
        })?,
        None if ascent => Colormap::Viridis,
        None => Colormap::Jet,
    };
    // The seed draws peaks with vmin=-5, vmax=5.
    let seed_clip = f.name() == Some("peaks");
    let vmin = a.vmin.or(seed_clip.then_some(-5.0));
    let vmax = a.vmax.or(seed_clip.then_some(5.0));
    if let (Some(lo), Some(hi)) = (vmin, vmax) {
        if lo >= hi {
            return Err(CliError::input(format!(
                "--vmin ({}) must be below --vmax ({})",
                downhill::run::shown(lo),
                downhill::run::shown(hi)
            )));
        }
    }
    if !(a.dpi.is_finite() && (20.0..=1200.0).contains(&a.dpi)) {
        return Err(CliError::input(format!(
            "--dpi must be between 20 and 1200 (got {})",
            a.dpi
        )));
    }
    let (w, h) = (a.size[0] * a.dpi, a.size[1] * a.dpi);
    if !(200.0..=MAX_PIXELS).contains(&w) || !(150.0..=MAX_PIXELS).contains(&h) {
        return Err(CliError::input(format!(
            "--size {},{} at --dpi {} is {w:.0}x{h:.0} pixels; a figure must be 200x150 to {MAX_PIXELS}x{MAX_PIXELS}",
            a.size[0], a.size[1], a.dpi
        )));
    }
    let contours = a.contours.unwrap_or(0);
    Ok(Look {
        domain,
        colormap,
        vmin,
        vmax,
        contours,
        quiver: a.quiver,
        width: w.round() as u32,
        height: h.round() as u32,
        scale: a.dpi / 100.0,
    })
}

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

/// A one-panel figure of the look's size.
pub fn single<'a>(look: &Look, suptitle: Option<String>, panel: downhill_plot::Panel<'a>) -> downhill_plot::Figure<'a> {
    downhill_plot::Figure {
        width: look.width,
        height: look.height,
        scale: look.scale,
        suptitle,
        panels: vec![panel],
        columns: 1,
    }
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
