//! The `downhill` command: arguments in, library calls, summaries, JSON and files out.

mod args;
mod commands;
mod diagnostic;
mod format;
mod output;
mod settings;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};
use diagnostic::CliError;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    // For comparisons: DOWNHILL_JIT=0 runs the interpreter, DOWNHILL_JIT=avx2 keeps to AVX2 code.
    match std::env::var("DOWNHILL_JIT").as_deref() {
        Ok("0") => downhill::batch::set_machine_code(downhill::batch::MachineCode::Off),
        Ok("avx2") => downhill::batch::set_machine_code(downhill::batch::MachineCode::Avx2),
        _ => {}
    }
    // The server handles Ctrl-C itself (a graceful shutdown); every other command cleans up and stops.
    if !matches!(cli.command, Command::Serve { .. }) {
        output::install_signals();
    }
    let result = match cli.command {
        Command::Functions { json } => commands::functions::run(json),
        Command::Diff {
            function,
            hessian,
            latex,
            json,
        } => commands::diff::run(&function.function, hessian, latex, json),
        Command::Run(args) => commands::run::run(&args),
        Command::Landscape(args) => commands::landscape::run(&args),
        Command::Surface(args) => commands::surface::run(&args),
        Command::Basins(args) => commands::basins::run(&args),
        Command::Sweep(args) => commands::sweep::run(&args),
        Command::Compare(args) => commands::compare::run(&args),
        Command::Demo { out, dpi } => commands::demo::run(&out, dpi),
        Command::Serve { port, open } => commands::serve(port, open),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = std::io::stdout().flush();
            // A full or closed standard error is no reason to panic: the exit code still tells.
            let _ = writeln!(std::io::stderr(), "{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// clap's help and version go to standard output as clap prints them; its usage errors are printed with the
/// user's text made safe (escapes for control and bidirectional characters, overlong words cut), exit code 2.
fn usage_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::from(e.exit_code() as u8);
    }
    let text = e.render().to_string();
    let cleaned: Vec<String> = text.lines().map(diagnostic::clean).collect();
    let _ = writeln!(std::io::stderr(), "{}", cleaned.join("\n").trim_end());
    ExitCode::from(2)
}

/// Prints a value as JSON ([`format::json`]'s layout) to stdout, streamed; a closed pipe is not an error.
pub fn emit_json<T: serde::Serialize + ?Sized>(v: &T) -> Result<(), CliError> {
    let out = std::io::BufWriter::new(std::io::stdout().lock());
    match format::write_json(out, v) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failure(e.into())),
    }
}

/// Prints to stdout; a closed pipe (`downhill ... | head`) is not an error worth a panic.
pub fn emit(text: &str) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failure(e.into())),
    }
}
