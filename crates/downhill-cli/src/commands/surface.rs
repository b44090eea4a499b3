//! `downhill surface`: the 3-D surface, optionally with a descent drawn on it.

use downhill::{OptimizerSpec, RunConfig};
use downhill_plot::{Colormap, Format, Surface};

use super::plot;
use crate::args::SurfaceArgs;
use crate::diagnostic::CliError;
use crate::settings::{self, Size};

/// Draws a function's surface.
pub fn run(args: &SurfaceArgs) -> Result<(), CliError> {
    let f = settings::function(&args.function.function)?;
    let (format, out) = plot::target(&args.plot, &[Format::Png, Format::Svg], "figure")?;
    let domain = settings::domain(args.domain, &f)?;
    let size = Size::new(&args.size)?;
    if !(args.elev.is_finite() && args.azim.is_finite()) {
        return Err(CliError::input("--elev and --azim must be finite angles in degrees"));
    }
    for (flag, v) in [("--zmin", args.zmin), ("--zmax", args.zmax)] {
        if let Some(v) = v.filter(|v| !v.is_finite()) {
            return Err(CliError::input(format!("{flag} must be a finite number (got {v})")));
        }
    }
    if let (Some(lo), Some(hi)) = (args.zmin, args.zmax) {
        if lo >= hi {
            return Err(CliError::input("--zmin must be below --zmax"));
        }
    }
    let path = match args.start {
        Some(start) => {
            let config = RunConfig::new(start)
                .learning_rate(settings::learning_rate(downhill::Method::Gd, Some(args.lr))?)
                .epochs(args.epochs.min(super::run::MAX_EPOCHS));
            let r = downhill::run(&f, &config, &OptimizerSpec::gd()).map_err(|e| CliError::input(e.to_string()))?;
            Some(r.path())
        }
        None => None,
    };
    let surface = Surface {
        function: &f,
        domain,
        colormap: args.colormap.unwrap_or(Colormap::Jet),
        // The seed's surface shows the whole range; clip only when asked.
        zmin: args.zmin,
        zmax: args.zmax,
        elev: args.elev,
        azim: args.azim,
        path,
        title: Some(format!("3D Surface Plot: {}", plot::name(&f))),
        width: size.width,
        height: size.height,
        scale: size.scale,
    };
    let bytes = downhill_plot::render_surface(&surface, format).map_err(plot::failed)?;
    let written = out.write_bytes(&bytes)?;
    crate::emit(&crate::output::notes(&[written]))
}
