//! One module per subcommand.

pub mod basin_map;
pub mod basins;
pub mod demo;
pub mod diff;
pub mod functions;
pub mod landscape;
pub mod plot;
pub mod run;
pub mod surface;
pub mod sweep;

use downhill::Function;

use crate::diagnostic::CliError;

/// A catalog name or an expression, with a located error for bad input.
pub fn resolve_function(spec: &str) -> Result<Function, CliError> {
    Function::resolve(spec).map_err(|e| CliError::at(e.to_string(), spec, e.span))
}
