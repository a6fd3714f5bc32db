//! One module per subcommand: each runs on typed options ([`crate::cli::Mode`]), renders what the
//! pipeline gives, and returns an [`ExitStatus`]; `main` maps it to a process exit code and prints
//! an [`Error`], the one place errors are printed.

pub mod compliance;
pub mod exit;
pub mod facts;
pub mod output;
pub mod policy_test;
pub mod rules;
pub mod scan;
pub mod serve;

use crate::cli::Mode;
pub use exit::{Error, ExitStatus, Result};
use output::write_to;

/// Runs a command.
pub fn run(mode: Mode) -> Result<ExitStatus> {
    use_threads(match &mode {
        Mode::Facts(o) => o.threads,
        Mode::Scan(o) => o.threads,
        Mode::Compliance(o) => o.threads,
        Mode::Serve(o) => o.threads,
        _ => None,
    })?;
    match mode {
        Mode::Facts(options) => facts::run(&options),
        Mode::Scan(options) => scan::run(&options),
        Mode::Compliance(options) => compliance::run(&options),
        Mode::Serve(options) => serve::run(&options),
        Mode::Rules(options) => rules::run(&options),
        Mode::PolicyTest(dirs, timeout) => policy_test::run(&dirs, timeout),
        Mode::Completions(shell) => {
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command, "aks-certscan", &mut buf);
            if shell == clap_complete::Shell::Bash {
                buf = fix_bash_completion(&buf);
            }
            write_to(None, "completions", |out| out.write_all(&buf))?;
            Ok(ExitStatus::Success)
        }
        Mode::Man => {
            let command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_mangen::Man::new(command).render(&mut buf)?;
            write_to(None, "the man page", |out| out.write_all(&buf))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// Sizes the worker pool (`--threads`); by default rayon uses one thread per CPU.
pub fn use_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| Error::Io(std::io::Error::other(format!("cannot start the worker threads: {e}"))))?;
    }
    Ok(())
}

/// clap_complete's bash script for a binary whose name has a `-` names the command states two
/// ways: the loop over the words sets `aks__certscan__subcmd__scan`, the `case` that offers the
/// flags expects `aks__subcmd__certscan__subcmd__scan`, so `aks-certscan scan --fo<TAB>` offered
/// nothing. One spelling makes them meet (`tests/integration/day_to_day.rs` runs bash's
/// completion function to prove it).
fn fix_bash_completion(script: &[u8]) -> Vec<u8> {
    String::from_utf8_lossy(script)
        .replace("aks__subcmd__certscan", "aks__certscan")
        .into_bytes()
}
