//! The `aks-certscan` binary: parse, run, map the outcome to an exit code.

use std::process::ExitCode;

use aks_certscan::cli::{parse_args, ParseFailure};
use aks_certscan::commands::{self, ExitStatus, UsageError};

fn main() -> ExitCode {
    let cli = match parse_args(std::env::args_os()) {
        Ok(cli) => cli,
        Err(ParseFailure::Clap(e)) => e.exit(),
        Err(ParseFailure::Usage(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(ExitStatus::Error.code());
        }
    };
    match commands::run(cli) {
        Ok(status) => ExitCode::from(status.code()),
        Err(err) => {
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            if let Some(usage) = err.downcast_ref::<UsageError>() {
                eprintln!("error: {usage}");
            } else if let Some(policy) = err.downcast_ref::<aks_certscan::policy::PolicyError>() {
                eprintln!("error: {policy}");
            } else {
                eprintln!("error: {err:#}");
            }
            ExitCode::from(ExitStatus::Error.code())
        }
    }
}

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
