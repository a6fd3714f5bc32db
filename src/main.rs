//! The `aks-certscan` binary: parse, run, map the outcome to an exit code, and print the error
//! when there is one (the only place errors are printed).

use std::process::ExitCode;

use aks_certscan::cli::{self, ParseFailure};
use aks_certscan::commands::{self, ExitStatus};

fn main() -> ExitCode {
    let mode = match cli::parse(std::env::args_os()) {
        Ok(mode) => mode,
        Err(ParseFailure::Clap(e)) => e.exit(),
        Err(ParseFailure::Usage(e)) => {
            aks_certscan::log::line(&format!("error: {e}"));
            return ExitCode::from(ExitStatus::Error.code());
        }
    };
    match commands::run(mode) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) if err.is_broken_pipe() => ExitCode::SUCCESS,
        Err(err) => {
            aks_certscan::log::line(&format!("error: {err}"));
            ExitCode::from(ExitStatus::Error.code())
        }
    }
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
