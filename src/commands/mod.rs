//! One module per subcommand. Each returns an [`ExitStatus`]; `main` maps it to a process exit code.

pub mod facts;
pub mod policy_test;
pub mod rules;
pub mod scan;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::SourceArgs;
use crate::clock::Instant;
use crate::facts::model::{CollectionError, FactsDocument, SourceKind};
use crate::facts::{assemble, collect_parts, kubeconfig_servers, CollectContext, SourceSpec};

/// Runs a parsed command line.
pub fn run(cli: crate::cli::Cli) -> Result<ExitStatus> {
    match cli.command {
        crate::cli::Command::Facts(args) => facts::run(&args),
        crate::cli::Command::Policy(crate::cli::PolicyCommand::Test(args)) => policy_test::run(&args),
        crate::cli::Command::Scan(args) => scan::run(&args),
        crate::cli::Command::Rules(args) => rules::run(&args),
    }
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

/// A usage problem: printed without a chain, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Resolves the sources (the default kubeconfig when none is given) and the clock.
pub fn resolve_sources(args: &SourceArgs) -> Result<(Vec<SourceSpec>, CollectContext)> {
    let now = match &args.now {
        Some(text) => Instant::parse(text).map_err(|e| UsageError(format!("invalid --now: {e}")))?,
        None => Instant::now(),
    };
    let mut specs = args.specs();
    if specs.is_empty() && args.aks.is_empty() {
        specs = crate::facts::kubeconfig::default_paths()
            .into_iter()
            .map(|p| SourceSpec::new(SourceKind::Kubeconfig, p))
            .collect();
        if specs.is_empty() {
            return Err(UsageError(
                "no source given and no kubeconfig found ($KUBECONFIG is unset or names no existing file, and ~/.kube/config does not exist)\n\
                 give at least one source: --kubeconfig FILE, --certs PATH, --cluster FILE, --nodes FILE, --node-root DIR, --facts FILE, --endpoint HOST[:PORT] or --aks RESOURCE_GROUP/NAME"
                    .into(),
            )
            .into());
        }
    }
    Ok((
        specs,
        CollectContext {
            now,
            max_file_size: args.max_file_size,
            probe: crate::probe::ProbeOptions {
                timeout: timeout(args.timeout)?,
                proxy: crate::probe::proxy::ProxyConfig::from_env().map_err(UsageError)?,
            },
        },
    ))
}

fn timeout(secs: f64) -> Result<std::time::Duration> {
    if secs.is_finite() && secs > 0.0 && secs <= 3600.0 {
        Ok(std::time::Duration::from_secs_f64(secs))
    } else {
        Err(UsageError(format!("--timeout {secs}: expected seconds between 0 and 3600")).into())
    }
}

/// Collects facts (files, then probes of kubeconfig servers when asked, then live `--aks`
/// clusters) and prints one warning line per collection error on stderr.
pub fn collect_facts(args: &SourceArgs, specs: &[SourceSpec], ctx: &CollectContext) -> FactsDocument {
    let mut parts = collect_parts(specs, ctx);
    if args.probe_kubeconfig_servers {
        let servers = kubeconfig_servers(&parts);
        parts.extend(collect_parts(&servers, ctx));
    }
    parts.extend(crate::live::collect(args, ctx));
    let doc = assemble(parts, ctx);
    warn_errors(&doc.errors);
    doc
}

/// One line per error on stderr: `warning: --certs testdata/x.pem:3: message`.
pub fn warn_errors(errors: &[CollectionError]) {
    let stderr = std::io::stderr();
    let mut lock = stderr.lock();
    for e in errors {
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
}

/// True when the document holds no fact at all.
pub fn nothing_collected(doc: &FactsDocument) -> bool {
    doc.certificates.is_empty()
        && doc.kubeconfigs.is_empty()
        && doc.clusters.is_empty()
        && doc.nodes.is_empty()
        && doc.node_roots.is_empty()
        && doc.endpoints.is_empty()
}

/// Writes `text` to `path`, or to standard output when `path` is `None`.
pub fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(p) => std::fs::write(p, text).with_context(|| format!("cannot write `{}`", p.display())),
        None => {
            let stdout = std::io::stdout();
            let mut lock = stdout.lock();
            lock.write_all(text.as_bytes())?;
            lock.flush()?;
            Ok(())
        }
    }
}

/// The facts document as pretty JSON with a final newline.
pub fn facts_json(doc: &FactsDocument) -> Result<String> {
    let mut text = serde_json::to_string_pretty(doc)?;
    text.push('\n');
    Ok(text)
}
