//! One module per subcommand. Each returns an [`ExitStatus`]; `main` maps it to a process exit code.

pub mod compliance;
pub mod facts;
pub mod policy_test;
pub mod rules;
pub mod scan;
pub mod serve;

use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

pub use crate::cli::UsageError;
use crate::facts::model::{CollectionError, FactsDocument};

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<ExitStatus> {
    match cli.command {
        crate::cli::Command::Facts(args) => facts::run(&args.options()?),
        crate::cli::Command::Policy(crate::cli::PolicyCommand::Test(args)) => policy_test::run(&args),
        crate::cli::Command::Scan(args) => scan::run(&args.options()?),
        crate::cli::Command::Serve(args) => serve::run(&args.options()?),
        crate::cli::Command::Compliance(args) => compliance::run(&args.options()?),
        crate::cli::Command::Rules(args) => rules::run(&args),
        crate::cli::Command::Completions(args) => {
            let shell = match args.shell {
                crate::cli::Shell::Bash => clap_complete::Shell::Bash,
                crate::cli::Shell::Zsh => clap_complete::Shell::Zsh,
                crate::cli::Shell::Fish => clap_complete::Shell::Fish,
                crate::cli::Shell::Powershell => clap_complete::Shell::PowerShell,
                crate::cli::Shell::Elvish => clap_complete::Shell::Elvish,
            };
            let mut command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_complete::generate(shell, &mut command, "aks-certscan", &mut buf);
            write_to(None, |out| out.write_all(&buf))?;
            Ok(ExitStatus::Success)
        }
        crate::cli::Command::Man => {
            let command = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut buf = Vec::new();
            clap_mangen::Man::new(command).render(&mut buf)?;
            write_to(None, |out| out.write_all(&buf))?;
            Ok(ExitStatus::Success)
        }
    }
}

/// Loads the bundled and user policies and checks `--skip`, `--param` and `--data` against
/// them: every configuration problem is found before any slow collection.
pub fn load_policies(
    policies: &crate::cli::PolicyOptions,
    max_file_size: u64,
) -> Result<(crate::policy::Engine, crate::policy::Skip, crate::policy::Overrides)> {
    let engine = crate::policy::Engine::load(&policies.policy_dirs)?;
    let skip = crate::policy::params::check_skips(engine.rules(), &policies.skip)?;
    let overrides = crate::policy::params::resolve(
        engine.rules(),
        policies.data.as_deref(),
        max_file_size,
        &policies.params,
    )?;
    Ok((engine, skip, overrides))
}

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing at or above the failure level.
    Success,
    /// Findings at or above the failure level.
    Findings,
    /// Bad usage, bad configuration, or nothing collected.
    Error,
}

impl ExitStatus {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => 0,
            ExitStatus::Findings => 1,
            ExitStatus::Error => 2,
        }
    }
}

/// Wall-clock time of each phase, for `--timings`, with the peak memory after it.
#[derive(Default)]
pub struct Phases(Vec<(&'static str, Duration, Option<u64>)>);

/// The process's peak resident memory so far, in MiB (Linux `VmHWM`), when it can be read.
fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

impl Phases {
    /// Runs `work`, adding its time to phase `name`.
    pub fn time<T>(&mut self, name: &'static str, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        self.add(name, start.elapsed());
        out
    }

    /// Adds `spent` to phase `name` and notes the peak memory so far.
    pub fn add(&mut self, name: &'static str, spent: Duration) {
        let peak = peak_rss_mib();
        match self.0.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, total, at)) => {
                *total += spent;
                *at = peak;
            }
            None => self.0.push((name, spent, peak)),
        }
    }

    /// Prints `timings: collect 0.123 s, peak 42 MiB; ...` on stderr.
    pub fn print(&self) {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|(name, d, peak)| {
                let peak = peak.map(|m| format!(", peak {m} MiB")).unwrap_or_default();
                format!("{name} {:.3} s{peak}", d.as_secs_f64())
            })
            .collect();
        let total: Duration = self.0.iter().map(|(_, d, _)| *d).sum();
        eprintln!("timings: {}; total {:.3} s", parts.join("; "), total.as_secs_f64());
    }
}

/// Sizes the worker pool (`--threads`); by default rayon uses one thread per CPU.
pub fn use_threads(threads: Option<usize>) -> Result<()> {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .context("cannot start the worker threads")?;
    }
    Ok(())
}

/// Collection errors printed one per line on stderr before the rest are only counted: a file
/// with 70,000 broken blocks must not flood a terminal or a CI log (reports keep every error).
const WARNINGS_SHOWN: usize = 20;

/// One line per error on stderr (`warning: --certs testdata/x.pem:3: message`), the first
/// [`WARNINGS_SHOWN`] of them, then how many more there are.
pub fn warn_errors(errors: &[CollectionError]) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for e in errors.iter().take(WARNINGS_SHOWN) {
        let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
        let _ = writeln!(
            lock,
            "warning: {} {}{}: {}",
            e.source.flag(),
            crate::sanitize::terminal(&e.path),
            line,
            crate::sanitize::terminal(&e.message)
        );
    }
    if errors.len() > WARNINGS_SHOWN {
        let _ = writeln!(
            lock,
            "warning: ... and {} more collection errors (every one is in the report and the facts document)",
            errors.len() - WARNINGS_SHOWN
        );
    }
}

/// True when nothing at all could be collected and something went wrong: exit code 2.
pub fn nothing_collected(doc: &FactsDocument) -> bool {
    doc.facts.holds_no_fact() && !doc.facts.errors.is_empty()
}

/// Writes to `path` (or standard output when `None`) through a buffer, calling `write` once.
///
/// A file is written beside its target and renamed into place, never through a symbolic link
/// ([`crate::safe_io::write_atomically`]). When standard output is closed early (`scan | head`),
/// the rest is dropped quietly and the command goes on: its exit code still reflects the findings.
pub fn write_to(path: Option<&Path>, write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>) -> Result<()> {
    match path {
        Some(p) => crate::safe_io::write_atomically(p, write)
            .with_context(|| format!("cannot write `{}`", crate::sanitize::terminal(&p.display().to_string()))),
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
            match write(&mut out).and_then(|()| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    // Nothing more can reach the reader: drop what is buffered without retrying.
                    drop(out.into_parts());
                    Ok(())
                }
                other => Ok(other?),
            }
        }
    }
}

/// Writes the facts document as pretty JSON with a final newline; the certificates, most of it,
/// are serialized in parallel (the bytes are those of `serde_json::to_writer_pretty`).
pub fn write_facts(path: Option<&Path>, doc: &mut FactsDocument) -> Result<()> {
    let certificates = std::mem::take(&mut doc.facts.certificates);
    let skeleton = serde_json::to_vec_pretty(&*doc);
    doc.facts.certificates = certificates;
    let skeleton = skeleton?;
    write_to(path, |out| {
        crate::pretty_json::write_spliced(
            out,
            &skeleton,
            "certificates",
            1,
            &doc.facts.certificates,
            crate::pretty_json::itself,
        )?;
        writeln!(out)
    })
}
