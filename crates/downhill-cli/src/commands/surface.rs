//! `downhill surface`: the 3-D surface, optionally with a descent drawn on it.

use downhill::{OptimizerSpec, RunConfig};
use downhill_plot::{Format, Surface};

use super::plot;
use crate::args::SurfaceArgs;
use crate::diagnostic::CliError;

/// Draws a function's surface.
pub fn run(args: &SurfaceArgs) -> Result<(), CliError> {
    let f = super::resolve_function(&args.function)?;
    let path_out = args
        .plot
        .as_ref()
        .ok_or_else(|| CliError::input("--plot FILE is required"))?;
    let (format, out) = plot::target(path_out, &[Format::Png, Format::Svg], "figure")?;
    let look = plot::look(&args.look, &f, false)?;
    if !(args.elev.is_finite() && args.azim.is_finite()) {
        return Err(CliError::input("--elev and --azim must be finite angles in degrees"));
    }
    let path = match args.start {
        Some(start) => {
            let config = RunConfig::new(start)
                .learning_rate(args.lr)
                .epochs(args.epochs.min(super::run::MAX_EPOCHS));
            let r = downhill::run(&f, &config, &OptimizerSpec::gd()).map_err(|e| CliError::input(e.to_string()))?;
            Some(r.path())
        }
        None => None,
    };
    let surface = Surface {
        function: &f,
        domain: look.domain,
        colormap: look.colormap,
        // The seed's surface shows the whole range; clip only when asked.
        zmin: args.look.vmin,
        zmax: args.look.vmax,
        elev: args.elev,
        azim: args.azim,
        path,
        title: Some(format!("3D Surface Plot: {}", plot::name(&f))),
        width: look.width,
        height: look.height,
        scale: look.scale,
    };
    let bytes = downhill_plot::render_surface(&surface, format).map_err(plot::failed)?;
    out.write_bytes(&bytes)
}
