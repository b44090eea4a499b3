//! `downhill landscape`: the heat map alone.

use downhill_plot::Format;

use super::plot;
use crate::args::LandscapeArgs;
use crate::diagnostic::CliError;

/// Draws a function's heat map.
pub fn run(args: &LandscapeArgs) -> Result<(), CliError> {
    let f = super::resolve_function(&args.function)?;
    let path = args
        .plot
        .as_ref()
        .ok_or_else(|| CliError::input("--plot FILE is required"))?;
    let (format, out) = plot::target(path, &[Format::Png, Format::Svg], "figure")?;
    let look = plot::look(&args.look, &f, false)?;
    let mut panel = super::run::panel(&f, &look);
    panel.title = Some(f.text());
    let figure = plot::single(&look, Some(plot::name(&f)), panel);
    let bytes = downhill_plot::render(&figure, format).map_err(plot::failed)?;
    out.write_bytes(&bytes)
}
