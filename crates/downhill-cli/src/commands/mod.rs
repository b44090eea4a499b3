//! One module per subcommand.

pub mod basin_map;
pub mod basins;
pub mod compare;
pub mod demo;
pub mod diff;
pub mod functions;
pub mod landscape;
pub mod plot;
pub mod run;
pub mod surface;
pub mod sweep;

use crate::diagnostic::CliError;

/// `downhill serve`: prints the address, optionally opens a browser, serves until Ctrl-C.
pub fn serve(port: u16, open: bool) -> Result<(), CliError> {
    let result = downhill_web::run(port, |addr| {
        let url = format!("http://{addr}/");
        let _ = crate::emit(&format!("downhill explorer at {url} (Ctrl-C stops it)\n"));
        if open {
            let opened = ["xdg-open", "open"].iter().any(|cmd| {
                std::process::Command::new(cmd)
                    .arg(&url)
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .is_ok()
            });
            if !opened {
                let _ = crate::emit("(could not open a browser: open the address yourself)\n");
            }
        }
    });
    match result {
        Ok(()) => {
            let _ = crate::emit("stopped\n");
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(CliError::input(format!(
            "port {port} is in use: choose another with --port"
        ))),
        Err(e) => Err(CliError::Failure(e.into())),
    }
}
