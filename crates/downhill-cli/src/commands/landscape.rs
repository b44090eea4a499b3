//! `downhill landscape`: the heat map alone.

use downhill_plot::Format;

use super::plot;
use crate::args::LandscapeArgs;
use crate::diagnostic::CliError;
use crate::settings::{self, Look};

/// Draws a function's heat map.
pub fn run(args: &LandscapeArgs) -> Result<(), CliError> {
    let f = settings::function(&args.function.function)?;
    let (format, out) = plot::target(&args.plot, &[Format::Png, Format::Svg], "figure")?;
    let look = Look::new(&args.look, &f, false)?;
    let mut panel = look.panel(&f);
    // The catalog's name over its formula; a typed formula once, as the title.
    let suptitle = match f.name() {
        Some(name) => {
            panel.title = Some(f.text());
            name.to_string()
        }
        None => format!("f = {}", f.text()),
    };
    let figure = look.figure(Some(suptitle), panel);
    let bytes = downhill_plot::render(&figure, format).map_err(plot::failed)?;
    let written = out.write_bytes(&bytes)?;
    crate::emit(&crate::output::notes(&[written]))
}
