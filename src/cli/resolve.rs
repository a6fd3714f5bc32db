//! From parsed arguments to typed options: every check that needs more than clap (pairs of
//! `--format` and `--output`, durations, addresses, the evaluation time) happens here, before any
//! work starts.

use std::path::PathBuf;

use super::args::{
    Cli, Command, ComplianceArgs, FactsArgs, PolicyArgs, PolicyCommand, RulesArgs, ScanArgs, ServeArgs, SourceArgs,
};
use super::env;
use super::error::UsageError;
use super::options::{
    ComplianceOptions, FactsOptions, FactsOut, Mode, OutputSpec, RulesOptions, ScanOptions, ServeOptions,
};
use crate::clock::Instant;
use crate::pipeline::{Plan, PolicyPlan};
use crate::report::{ComplianceFormat, Format, DEFAULT_FACTS_FILE};
use crate::sources::probe::ProbeOptions;
use crate::sources::{CollectContext, CollectPlan, LiveOptions, Source};

/// The command `cli` asks for, with its options.
pub fn mode(cli: Cli) -> Result<Mode, UsageError> {
    Ok(match cli.command {
        Command::Facts(args) => Mode::Facts(Box::new(facts(&args)?)),
        Command::Scan(args) => Mode::Scan(Box::new(scan(&args)?)),
        Command::Compliance(args) => Mode::Compliance(Box::new(compliance(&args)?)),
        Command::Serve(args) => Mode::Serve(Box::new(serve(&args)?)),
        Command::Rules(args) => Mode::Rules(rules(&args)),
        Command::Policy(PolicyCommand::Test(args)) => {
            Mode::PolicyTest(args.dirs, std::time::Duration::from_secs(args.policy_timeout))
        }
        Command::Completions(args) => Mode::Completions(args.shell),
        Command::Man(args) => Mode::Man(args.dir),
    })
}

/// The collection the source flags ask for: sources in the order of
/// [`crate::sources::FLAGS`] (each kind in the order given); with no source at all, the
/// kubeconfig kubectl would read.
pub fn collect_plan(args: &SourceArgs) -> Result<CollectPlan, UsageError> {
    let s = &args.settings;
    let now = match &s.now {
        Some(text) => Instant::parse(text).map_err(|e| UsageError(format!("invalid --now: {e}")))?,
        None => Instant::now(),
    };
    let mut sources: Vec<Source> = args
        .sources
        .iter()
        .cloned()
        .map(|source| match source {
            Source::Endpoint { target, .. } => Source::Endpoint {
                target,
                server_name: s.tls_server_name.clone(),
            },
            other => other,
        })
        .collect();
    let has = |f: fn(&Source) -> bool| sources.iter().any(f);
    let aks = has(|s| matches!(s, Source::Aks(_)));
    let all_clusters = has(|s| matches!(s, Source::AllClusters));
    if s.subscription.len() > 1 && aks && !all_clusters {
        return Err(UsageError(
            "--aks takes one --subscription; several narrow --all-clusters".into(),
        ));
    }
    if (s.inventory_only || !s.management_group.is_empty()) && !all_clusters {
        return Err(UsageError(
            "--inventory-only and --management-group go with --all-clusters".into(),
        ));
    }
    if s.cluster_timeout == 0 {
        return Err(UsageError("--cluster-timeout: expected seconds above 0".into()));
    }
    if sources.is_empty() {
        sources = env::default_kubeconfigs().into_iter().map(Source::Kubeconfig).collect();
        if sources.is_empty() {
            let flags: Vec<String> = crate::sources::FLAGS
                .iter()
                .filter(|f| f.flag != "daemonset")
                .map(|f| match f.value {
                    Some((name, _)) => format!("--{} {name}", f.flag),
                    None => format!("--{}", f.flag),
                })
                .collect();
            let (last, rest) = flags
                .split_last()
                .map(|(l, r)| (l.clone(), r.join(", ")))
                .unwrap_or_default();
            return Err(UsageError(format!(
                "no source given and no kubeconfig found ($KUBECONFIG is unset or names no existing file, and ~/.kube/config does not exist)\n\
                 give at least one source: {rest} or {last}"
            )));
        }
    }
    let timeout = if s.timeout.is_finite() && s.timeout > 0.0 && s.timeout <= 3600.0 {
        std::time::Duration::from_secs_f64(s.timeout)
    } else {
        return Err(UsageError(format!(
            "--timeout {}: expected seconds between 0 and 3600",
            s.timeout
        )));
    };
    Ok(CollectPlan {
        sources,
        now,
        context: CollectContext {
            max_file_size: s.max_file_size,
            max_document_size: s.max_document_size,
            probe: ProbeOptions {
                timeout,
                proxy: env::proxy()?,
            },
        },
        probe_kubeconfig_servers: s.probe_kubeconfig_servers,
        live: LiveOptions {
            subscriptions: s.subscription.clone(),
            management_groups: s.management_group.clone(),
            inventory_only: s.inventory_only,
            admin: s.admin,
            node_certs: s.node_certs,
            k8s_objects: !s.no_k8s_objects,
            jobs: usize::from(s.jobs),
            cluster_timeout: std::time::Duration::from_secs(s.cluster_timeout),
            login: s.login,
            az: s.az_path.clone(),
            kubectl: s.kubectl_path.clone(),
            kubelogin: s.kubelogin_path.clone(),
            progress: !s.no_progress,
        },
    })
}

fn policy_plan(args: &PolicyArgs) -> PolicyPlan {
    PolicyPlan {
        dirs: args.policy.clone(),
        params: args.param.clone(),
        data: args.data.clone(),
        skip: args.skip.clone(),
        timeout: Some(std::time::Duration::from_secs(args.policy_timeout)),
    }
}

fn threads(args: &SourceArgs) -> Option<usize> {
    args.settings.threads.map(usize::from)
}

/// `facts` options.
pub fn facts(args: &FactsArgs) -> Result<FactsOptions, UsageError> {
    Ok(FactsOptions {
        plan: collect_plan(&args.sources)?,
        threads: threads(&args.sources),
        output: args.output.clone(),
        timings: args.sources.settings.timings,
    })
}

/// What an output file's name says about its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inferred<F> {
    /// This command's format `F`.
    Format(F),
    /// A format this command does not write (named for the message).
    Elsewhere(&'static str),
    /// Nothing: no extension, or one no format has.
    Unknown,
}

/// The lowercase extension of `path`, with `.sarif.json` read as `sarif`.
fn extension(path: &std::path::Path) -> Option<String> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".sarif.json") {
        return Some("sarif".into());
    }
    name.rsplit_once('.').map(|(_, ext)| ext.to_string())
}

/// `scan`'s format for an output file name.
fn scan_format_of(path: &std::path::Path) -> Inferred<Format> {
    match extension(path).as_deref() {
        Some("sarif") => Inferred::Format(Format::Sarif),
        Some("json") => Inferred::Format(Format::Json),
        Some("xml") => Inferred::Format(Format::Junit),
        Some("prom") => Inferred::Format(Format::Prometheus),
        Some("txt" | "text" | "log") => Inferred::Format(Format::Text),
        Some("md" | "markdown") => Inferred::Elsewhere("Markdown (`aks-certscan compliance` writes it)"),
        Some("html" | "htm") => Inferred::Format(Format::Html),
        _ => Inferred::Unknown,
    }
}

/// `compliance`'s format for an output file name.
fn compliance_format_of(path: &std::path::Path) -> Inferred<ComplianceFormat> {
    match extension(path).as_deref() {
        Some("md" | "markdown") => Inferred::Format(ComplianceFormat::Markdown),
        Some("json") => Inferred::Format(ComplianceFormat::Json),
        Some("sarif") => Inferred::Elsewhere("SARIF (`aks-certscan scan` writes it)"),
        Some("xml") => Inferred::Elsewhere("JUnit XML (`aks-certscan scan` writes it)"),
        Some("prom") => Inferred::Elsewhere("Prometheus (`aks-certscan scan` writes it)"),
        Some("html" | "htm") => Inferred::Elsewhere("HTML (`aks-certscan scan --format html` writes it)"),
        _ => Inferred::Unknown,
    }
}

/// Pairs each `--format` with the `--output` at its position (standard output without one). An
/// `--output` without a `--format` takes the format its extension names (`.sarif`, `.json`,
/// `.xml` JUnit, `.prom`, `.txt`, `.md`, `.html`; `default` when it names none), and an `--output` whose
/// extension names another format than its `--format` is an error: `--output results.sarif`
/// alone must never write text into a `.sarif` file. At most one goes to standard output.
fn pair_outputs<F: crate::choice::Choice + PartialEq>(
    formats: &[F],
    outputs: &[PathBuf],
    default: F,
    infer: fn(&std::path::Path) -> Inferred<F>,
) -> Result<Vec<(F, Option<PathBuf>)>, UsageError> {
    let count = formats.len().max(outputs.len()).max(1);
    let mut paired: Vec<(F, Option<PathBuf>)> = Vec::with_capacity(count);
    for i in 0..count {
        // `-` and `/dev/stdout` are standard output, written as a stream.
        let path = outputs
            .get(i)
            .filter(|p| p.as_os_str() != "-" && p.as_path() != std::path::Path::new("/dev/stdout"))
            .cloned();
        let shown = |p: &PathBuf| crate::sanitize::terminal(&p.display().to_string());
        let inferred = path.as_deref().map(infer).unwrap_or(Inferred::Unknown);
        let format = match (formats.get(i), inferred, &path) {
            (Some(f), Inferred::Format(g), Some(p)) if *f != g => {
                return Err(UsageError(format!(
                    "--output `{}` names a {} file but its --format is {}: give --format {} (or a file name that matches)",
                    shown(p),
                    g.name(),
                    f.name(),
                    g.name()
                )))
            }
            (Some(f), Inferred::Elsewhere(what), Some(p)) => {
                return Err(UsageError(format!(
                    "--output `{}` names a {what} file, but this command writes it as {}: rename the file or choose another --format",
                    shown(p),
                    f.name()
                )))
            }
            (Some(f), _, _) => *f,
            (None, Inferred::Format(g), _) => g,
            (None, Inferred::Elsewhere(what), Some(p)) => {
                return Err(UsageError(format!(
                    "--output `{}` names a {what} file, which this command does not write; give a --format",
                    shown(p)
                )))
            }
            (None, _, Some(p)) if !formats.is_empty() || i > 0 => {
                return Err(UsageError(format!(
                    "--output `{}`: its extension names no format; give a --format for each --output",
                    shown(p)
                )))
            }
            (None, _, _) => default,
        };
        paired.push((format, path));
    }
    if paired.iter().filter(|(_, p)| p.is_none()).count() > 1 {
        return Err(UsageError(
            "only one --format can go to standard output; give the others an --output FILE".into(),
        ));
    }
    Ok(paired)
}

/// `scan` options: each `--output` paired with its `--format`, and where the facts go.
pub fn scan(args: &ScanArgs) -> Result<ScanOptions, UsageError> {
    let outputs: Vec<OutputSpec> = pair_outputs(&args.format, &args.output, Format::Text, scan_format_of)?
        .into_iter()
        .map(|(format, path)| OutputSpec { format, path })
        .collect();
    let sarif = outputs.iter().find(|o| o.format == Format::Sarif);
    let facts_out = match (&args.facts_out, sarif) {
        (Some(path), _) => FactsOut::Full(path.clone()),
        // SARIF to a stream (`/dev/stderr`, `/dev/fd/3`, a device): no side file beside it.
        (None, Some(OutputSpec { path: Some(path), .. }))
            if crate::safe_io::is_standard_stream(path) || path.starts_with("/dev/") =>
        {
            FactsOut::WhenNeeded(DEFAULT_FACTS_FILE.into())
        }
        (None, Some(OutputSpec { path: Some(path), .. })) => {
            let stem = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "aks-certscan".into());
            FactsOut::WhenNeeded(path.with_file_name(format!("{stem}.facts.json")))
        }
        (None, Some(OutputSpec { path: None, .. })) => FactsOut::WhenNeeded(DEFAULT_FACTS_FILE.into()),
        (None, None) => FactsOut::None,
    };
    let mut plan = Plan::new(collect_plan(&args.sources)?);
    plan.policies = policy_plan(&args.policies);
    plan.baseline = args.baseline.clone();
    plan.exceptions = args.exceptions.clone();
    if let FactsOut::Full(path) = &facts_out {
        plan.facts_out = Some(path.clone());
    }
    if outputs.iter().any(|o| o.format == Format::Html) {
        // The page shows every certificate on its timeline and the compliance verdicts: the
        // certificates are held (not streamed) and coverage is evaluated in the same pass.
        plan.streaming = crate::pipeline::Streaming::Never;
        plan.coverage = true;
    }
    if outputs.iter().any(|o| o.format == Format::Prometheus) {
        plan.series = Some(crate::report::prometheus::Limits::default().certificates);
    }
    Ok(ScanOptions {
        plan,
        threads: threads(&args.sources),
        outputs,
        fail_on: args.fail_on.level(),
        facts_out,
        color: env::color(args.no_color),
        timings: args.sources.settings.timings,
        width: env::terminal_width(),
        verbose: args.verbose,
        sarif_aggregate: args.sarif_aggregate,
        sarif_per_cluster: args.sarif_per_cluster.clone(),
        provenance: env::provenance(),
    })
}

/// `compliance` options.
pub fn compliance(args: &ComplianceArgs) -> Result<ComplianceOptions, UsageError> {
    let outputs = pair_outputs(
        &args.format,
        &args.output,
        ComplianceFormat::Markdown,
        compliance_format_of,
    )?;
    if !crate::policy::frameworks::is_framework_id(&args.framework) {
        return Err(UsageError(format!(
            "--framework `{}`: expected an id like cis-aks",
            args.framework
        )));
    }
    let mut plan = Plan::new(collect_plan(&args.sources)?);
    plan.policies = policy_plan(&args.policies);
    plan.coverage = true;
    Ok(ComplianceOptions {
        plan,
        threads: threads(&args.sources),
        framework: args.framework.clone(),
        outputs,
        fail_on: args.fail_on.level(),
    })
}

/// `serve` options.
pub fn serve(args: &ServeArgs) -> Result<ServeOptions, UsageError> {
    if args.listen.parse::<std::net::SocketAddr>().is_err() {
        return Err(UsageError(format!(
            "--listen `{}`: expected an address and port, like 127.0.0.1:9102 or [::]:9102",
            args.listen
        )));
    }
    let mut plan = Plan::new(collect_plan(&args.sources)?);
    plan.policies = policy_plan(&args.policies);
    plan.series = Some(args.max_certificate_series);
    Ok(ServeOptions {
        plan,
        fixed_now: args.sources.settings.now.is_some(),
        threads: threads(&args.sources),
        listen: args.listen.clone(),
        interval: env::parse_duration(&args.interval).map_err(|e| UsageError(format!("--interval {e}")))?,
        limits: crate::report::prometheus::Limits {
            certificates: args.max_certificate_series,
            findings: args.max_finding_series,
        },
    })
}

/// `rules` options.
pub fn rules(args: &RulesArgs) -> RulesOptions {
    RulesOptions {
        format: args.format,
        policy_dirs: args.policy.clone(),
    }
}
