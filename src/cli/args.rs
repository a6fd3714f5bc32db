//! The clap definitions: every command and flag, with its help. Nothing here is checked or
//! converted; [`super::resolve`] turns these into typed options.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Arg, ArgAction, ArgMatches, Args, Command as ClapCommand, FromArgMatches, Parser, Subcommand, ValueHint};

use crate::report::{CatalogueFormat, ComplianceFormat, Format};
use crate::sources::live::KubeLogin;
use crate::sources::{PathKind, Source, FLAGS};
use crate::triage::FailOn;

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "Exit codes:
  0  no finding at or above --fail-on (default: error)
  1  findings at or above --fail-on
  2  usage error, bad policy or parameter, or nothing could be collected at all";

/// Scan Azure Kubernetes Service certificates and rotation health, before they cause an outage.
///
/// Collectors read kubeconfigs, certificate files, `az aks show` output, node lists and node
/// filesystems into one facts document; bundled Rego policies judge it; findings go out as text,
/// JSON, SARIF (GitHub code scanning, Azure DevOps), JUnit or GitHub annotations.
#[derive(Debug, Parser)]
#[command(name = "aks-certscan", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// Defaults for any flag from this YAML file (default: `.aks-certscan.yaml` in the working
    /// directory, when there is one); flags given here win.
    #[arg(long, global = true, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Collect facts from the sources and write the facts document (JSON).
    ///
    /// Example: aks-certscan facts --kubeconfig ~/.kube/config --certs /etc/kubernetes/certs --now 2026-11-29T00:00:00Z
    Facts(Box<FactsArgs>),
    /// Collect facts, evaluate the policies and report findings.
    ///
    /// Example: aks-certscan scan --cluster cluster.json --kubeconfig kubeconfig --format sarif --output results.sarif
    #[command(after_help = EXIT_CODES)]
    Scan(Box<ScanArgs>),
    /// Report per control of a compliance framework: pass, fail, not applicable or unknown, with
    /// the resources examined and the evidence (sources' SHA-256, policy bundle digest).
    ///
    /// Example: aks-certscan compliance --framework cis-aks --node-root /host --format markdown --output cis.md
    #[command(after_help = EXIT_CODES)]
    Compliance(Box<ComplianceArgs>),
    /// Scan on an interval and serve the results as Prometheus metrics (`/metrics`).
    ///
    /// Example: aks-certscan serve --listen 0.0.0.0:9102 --node-root /host --interval 1h
    Serve(Box<ServeArgs>),
    /// List the rule catalogue, from the policies' own metadata.
    Rules(RulesArgs),
    /// Print a shell completion script: `aks-certscan completions bash > /etc/bash_completion.d/aks-certscan`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `aks-certscan man | man -l -`; with `--dir`, write one page
    /// per command, each with every flag.
    ///
    /// Example: aks-certscan man --dir ~/.local/share/man/man1 && man aks-certscan-scan
    Man(ManArgs),
    /// Policy development commands.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

/// Where facts come from: the source flags (built from [`crate::sources::FLAGS`], the one list of
/// source kinds; every one can be repeated and combined) and the settings of collection.
#[derive(Debug, Clone, Default)]
pub struct SourceArgs {
    /// The sources named, in the order of [`FLAGS`] (each kind in the order given).
    pub sources: Vec<Source>,
    /// How they are read.
    pub settings: SourceSettings,
}

/// The clap argument of one source flag.
fn source_arg(flag: &crate::sources::SourceFlag) -> Arg {
    let arg = Arg::new(flag.flag)
        .long(flag.flag)
        .help(flag.help)
        .help_heading(flag.heading);
    match flag.value {
        None => arg.action(ArgAction::SetTrue),
        Some((name, kind)) => arg
            .value_name(name)
            .action(ArgAction::Append)
            .value_parser(clap::value_parser!(OsString))
            .value_hint(match kind {
                PathKind::File => ValueHint::FilePath,
                PathKind::Dir => ValueHint::DirPath,
                PathKind::Any => ValueHint::AnyPath,
                PathKind::Host => ValueHint::Hostname,
                PathKind::Text => ValueHint::Other,
            }),
    }
}

impl FromArgMatches for SourceArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let mut sources = Vec::new();
        for flag in FLAGS {
            match flag.value {
                None => {
                    if matches.get_flag(flag.flag) {
                        sources.push((flag.make)(std::ffi::OsStr::new("")));
                    }
                }
                Some(_) => {
                    if let Some(values) = matches.get_many::<OsString>(flag.flag) {
                        sources.extend(values.map(|v| (flag.make)(v)));
                    }
                }
            }
        }
        Ok(SourceArgs {
            sources,
            settings: SourceSettings::from_arg_matches(matches)?,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for SourceArgs {
    fn augment_args(command: ClapCommand) -> ClapCommand {
        let command = FLAGS.iter().fold(command, |c, flag| c.arg(source_arg(flag)));
        SourceSettings::augment_args(command)
    }

    fn augment_args_for_update(command: ClapCommand) -> ClapCommand {
        Self::augment_args(command)
    }
}

/// How sources are read.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceSettings {
    /// Also probe the `server` of every kubeconfig cluster read (honouring its `tls-server-name`).
    #[arg(long, help_heading = "Live checks")]
    pub probe_kubeconfig_servers: bool,
    /// TLS server name (SNI) to send to every --endpoint instead of its host.
    #[arg(long, value_name = "NAME", value_hint = ValueHint::Hostname, help_heading = "Live checks")]
    pub tls_server_name: Option<String>,
    /// Time limit of each TLS probe, in seconds (name resolution, connect, proxy and handshake together);
    /// `az` and `kubectl` calls have their own 300-second limit.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, help_heading = "Live checks")]
    pub timeout: f64,
    /// Subscription: for --aks (one; default: az's current one), or to narrow --all-clusters (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Live checks")]
    pub subscription: Vec<String>,
    /// Management group to narrow --all-clusters to (repeatable).
    #[arg(long, value_name = "ID", help_heading = "Fleet")]
    pub management_group: Vec<String>,
    /// With --all-clusters, read the inventory only: the cluster rules run, no per-cluster step
    /// (credentials, nodes, API-server probe) does.
    #[arg(long, help_heading = "Fleet")]
    pub inventory_only: bool,
    /// Clusters scanned at the same time by --aks and --all-clusters.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256), help_heading = "Fleet")]
    pub jobs: u16,
    /// Time all live steps of one cluster may take together, in seconds; what is left is a SCAN001.
    #[arg(long, value_name = "SECS", default_value_t = 600, help_heading = "Fleet")]
    pub cluster_timeout: u64,
    /// How an Entra ID kubeconfig (its user runs `kubelogin`) is made non-interactive:
    /// `kubelogin convert-kubeconfig -l MODE`. Never a device-code prompt.
    #[arg(
        long,
        value_enum,
        value_name = "MODE",
        default_value = "azurecli",
        help_heading = "Live checks"
    )]
    pub login: KubeLogin,
    /// The `kubelogin` executable, for Entra ID clusters.
    #[arg(
        long = "kubelogin",
        value_name = "PATH",
        default_value = "kubelogin",
        value_hint = ValueHint::CommandName,
        help_heading = "Live checks"
    )]
    pub kubelogin_path: PathBuf,
    /// Use the cluster-admin credentials for --aks (`az aks get-credentials --admin`).
    #[arg(long, help_heading = "Live checks")]
    pub admin: bool,
    /// With --aks, read node certificates with `az vmss run-command invoke` on every scale set.
    #[arg(long, help_heading = "Live checks")]
    pub node_certs: bool,
    /// With --aks and --all-clusters, do not read Kubernetes objects (Secrets, ConfigMaps, webhook
    /// and APIService caBundles, CRDs, CSRs) live; see docs/kubernetes-objects.md.
    #[arg(long, help_heading = "Live checks")]
    pub no_k8s_objects: bool,
    /// The `az` executable for --aks.
    #[arg(long = "az", value_name = "PATH", default_value = "az", value_hint = ValueHint::CommandName, help_heading = "Live checks")]
    pub az_path: PathBuf,
    /// The `kubectl` executable for --aks.
    #[arg(
        long = "kubectl",
        value_name = "PATH",
        default_value = "kubectl",
        value_hint = ValueHint::CommandName,
        help_heading = "Live checks"
    )]
    pub kubectl_path: PathBuf,
    /// Never draw a progress indicator (it is only drawn on a terminal anyway).
    #[arg(long, help_heading = "Live checks")]
    pub no_progress: bool,
    /// Evaluation time, RFC 3339 (`2026-11-29T00:00:00Z`) or a date; default: now. Fix it for reproducible output.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// Largest file read, in bytes; bigger files are recorded as errors.
    #[arg(long, value_name = "BYTES", default_value_t = crate::safe_io::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Largest whole document read, in bytes: a --k8s-objects or --facts file, standard input,
    /// the output of a live `kubectl` or `az` call; bigger ones are recorded as errors.
    #[arg(long, value_name = "BYTES", default_value_t = crate::safe_io::DEFAULT_MAX_DOCUMENT_SIZE)]
    pub max_document_size: u64,
    /// Worker threads for collection and evaluation (default: one per CPU). Output never
    /// depends on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Print how long each phase took (collect, derive, evaluate, render) and the peak memory on stderr.
    #[arg(long)]
    pub timings: bool,
}

/// `facts` arguments.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// Sources.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Write the facts document here instead of standard output.
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath)]
    pub output: Option<PathBuf>,
}

/// `scan` arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Sources.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Policies.
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Output format; repeat together with --output to write several (`--format sarif --output a.sarif --format text`).
    #[arg(long, short, value_enum, value_name = "FORMAT", help_heading = "Output")]
    pub format: Vec<Format>,
    /// Output file for the --format at the same position; standard output when absent.
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = "Output")]
    pub output: Vec<PathBuf>,
    /// Minimum level that makes the exit code 1.
    #[arg(
        long,
        value_enum,
        value_name = "LEVEL",
        default_value = "error",
        help_heading = "Output"
    )]
    pub fail_on: FailOn,
    /// A previous SARIF file: results get `baselineState`, and --fail-on counts only new ones.
    #[arg(long, value_name = "OLD.sarif", value_hint = ValueHint::FilePath, help_heading = "Output")]
    pub baseline: Option<PathBuf>,
    /// Waivers: a YAML file of exceptions, each with a rule, what it waives (resource, cluster or
    /// path glob), a reason and an `expires` date (docs/exceptions.md).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = "Output")]
    pub exceptions: Option<PathBuf>,
    /// Where to write the facts document used (default: beside the SARIF output, `<name>.facts.json`).
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = "Output")]
    pub facts_out: Option<PathBuf>,
    /// Disable colour in text output (also honoured: the NO_COLOR variable).
    #[arg(long, help_heading = "Output")]
    pub no_color: bool,
    /// List every finding in the text report: above 200 it otherwise groups them by rule and by
    /// cluster, with counts, and shows the 10 most urgent in full.
    #[arg(long, short = 'v', help_heading = "Output")]
    pub verbose: bool,
    /// Aggregate SARIF results per rule and cluster: `auto` above 5,000 findings (what GitHub
    /// shows), `always`, or `never`. Other formats keep every finding.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Output"
    )]
    pub sarif_aggregate: crate::report::sarif::aggregate::Aggregate,
    /// Also write one SARIF file per cluster into DIR (`<rg>_<name>.sarif`, and `no-cluster.sarif`),
    /// each with its own `automationDetails.id`, to upload with one category per cluster.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, help_heading = "Output")]
    pub sarif_per_cluster: Option<PathBuf>,
}

/// Which policies run and with what parameters.
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArgs {
    /// A directory of extra Rego policies (rules with their own ids), added to the bundled ones.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath, help_heading = "Policies")]
    pub policy: Vec<PathBuf>,
    /// Override a rule parameter: `KEY=VALUE` (every rule with that parameter) or `RULE_ID.KEY=VALUE`.
    #[arg(long, value_name = "KEY=VALUE", help_heading = "Policies")]
    pub param: Vec<String>,
    /// A JSON or YAML file with parameters: `{"params": {"CERT002": {"expiry_warning_days": 14}}}`.
    #[arg(long, value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = "Policies")]
    pub data: Option<PathBuf>,
    /// Do not evaluate this rule (repeatable).
    #[arg(long, value_name = "RULE_ID", help_heading = "Policies")]
    pub skip: Vec<String>,
    /// Time limit of each policy evaluation (rule metadata, each rule's pass), in seconds: a rule
    /// that runs longer is an error (exit 2).
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400), help_heading = "Policies")]
    pub policy_timeout: u64,
}

/// `compliance` arguments.
#[derive(Debug, Args)]
pub struct ComplianceArgs {
    /// Sources.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Policies.
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// The framework: `cis-aks`, `mcsb`, `nist-800-53`, `org`, or one a user rule names.
    #[arg(long, value_name = "FRAMEWORK", help_heading = "Output")]
    pub framework: String,
    /// Report format; repeat together with --output to write several.
    #[arg(long, short, value_enum, help_heading = "Output")]
    pub format: Vec<ComplianceFormat>,
    /// Output file for the --format at the same position; standard output when absent.
    #[arg(long, short, value_name = "FILE", value_hint = ValueHint::FilePath, help_heading = "Output")]
    pub output: Vec<PathBuf>,
    /// Minimum level of a finding behind a failed control that makes the exit code 1.
    #[arg(
        long,
        value_enum,
        value_name = "LEVEL",
        default_value = "error",
        help_heading = "Output"
    )]
    pub fail_on: FailOn,
}

/// `serve` arguments.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Sources, collected again on every scan.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Policies.
    #[command(flatten)]
    pub policies: PolicyArgs,
    /// Address to serve `/metrics`, `/healthz` and `/readyz` on (`127.0.0.1:9102`, `0.0.0.0:9102`, `[::]:9102`).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:9102", help_heading = "Serve")]
    pub listen: String,
    /// Time between the start of two scans: `30s`, `15m`, `1h` or seconds.
    #[arg(long, value_name = "DURATION", default_value = "15m", help_heading = "Serve")]
    pub interval: String,
    /// Certificates exported as series at most (the ones that expire first are kept).
    #[arg(long, value_name = "N", default_value_t = 100_000, help_heading = "Serve")]
    pub max_certificate_series: usize,
    /// Findings exported as series at most (the worst are kept).
    #[arg(long, value_name = "N", default_value_t = 100_000, help_heading = "Serve")]
    pub max_finding_series: usize,
}

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `man` arguments.
#[derive(Debug, Args)]
pub struct ManArgs {
    /// Write every page (aks-certscan.1, aks-certscan-scan.1, aks-certscan-policy-test.1, ...)
    /// into this directory, created if missing, instead of printing the top page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// `rules` arguments.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Catalogue format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: CatalogueFormat,
    /// Also load the rules in these policy directories.
    #[arg(long, value_name = "DIR", value_hint = ValueHint::DirPath)]
    pub policy: Vec<PathBuf>,
}

/// `policy` subcommands.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Run the `test_` rules of the bundled policies and of these directories, like `opa test`.
    Test(PolicyTestArgs),
}

/// `policy test` arguments.
#[derive(Debug, Args)]
pub struct PolicyTestArgs {
    /// Directories with `.rego` files; the bundled policies are always tested.
    #[arg(value_hint = ValueHint::DirPath)]
    pub dirs: Vec<PathBuf>,
    /// Time limit of each test (and of loading the policies), in seconds: a test that runs
    /// longer fails.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub policy_timeout: u64,
}
