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
        Mode::Man(dir) => man(dir.as_deref()),
    }
}

/// `man`: the top page on standard output, or with `dir` every page (one per command and
/// subcommand, each listing all its flags) written there without following symlinks.
fn man(dir: Option<&std::path::Path>) -> Result<ExitStatus> {
    let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
    // Built, the subcommands carry the global flags and their full names.
    command.build();
    let Some(dir) = dir else {
        let mut buf = Vec::new();
        clap_mangen::Man::new(command).render(&mut buf)?;
        write_to(None, "the man page", |out| out.write_all(&buf))?;
        return Ok(ExitStatus::Success);
    };
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        what: "the man pages".into(),
        path: crate::sanitize::terminal(&dir.display().to_string()),
        source,
    })?;
    let mut pages = Vec::new();
    man_pages(&command, "aks-certscan", &mut pages);
    for (name, page) in &pages {
        let mut buf = Vec::new();
        clap_mangen::Man::new(page.clone()).render(&mut buf)?;
        let path = dir.join(format!("{name}.1"));
        write_to(Some(&path), "a man page", |out| out.write_all(&buf))?;
    }
    crate::log::line(&format!(
        "aks-certscan: wrote {} man pages to {}",
        pages.len(),
        crate::sanitize::terminal(&dir.display().to_string())
    ));
    Ok(ExitStatus::Success)
}

/// `command` as the page `name`, then each subcommand as `name-sub` (`help` has no page).
fn man_pages(command: &clap::Command, name: &str, pages: &mut Vec<(String, clap::Command)>) {
    // clap names are `&'static str` (no `string` feature): a dozen short names, leaked once.
    let leaked: &'static str = Box::leak(name.to_string().into_boxed_str());
    pages.push((name.to_string(), command.clone().name(leaked)));
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        man_pages(sub, &format!("{name}-{}", sub.get_name()), pages);
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
