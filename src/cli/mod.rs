//! The command line (clap derive). Parsing only: each command's arguments become plain options
//! ([`CollectPlan`], [`ScanOptions`]) before any work starts, and no clap type is seen below this
//! module.

use std::path::PathBuf;

pub mod config;

use clap::builder::PossibleValue;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::clock::Instant;
use crate::findings::Level;
use crate::report::Format;
use crate::sources::probe::proxy::ProxyConfig;
use crate::sources::probe::ProbeOptions;
use crate::sources::{CollectContext, CollectPlan, KubeLogin, LiveOptions, Source};

/// A usage problem: printed without a chain, exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

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
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Why the command line could not be turned into a [`Cli`].
#[derive(Debug)]
pub enum ParseFailure {
    /// clap's own error (or `--help` / `--version`): print it the clap way.
    Clap(clap::Error),
    /// A config file problem.
    Usage(UsageError),
}

/// Parses the command line, with the defaults of the config file (`--config`, or
/// `.aks-certscan.yaml` in the working directory) for every flag not given.
pub fn parse_args(argv: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, ParseFailure> {
    let mut argv: Vec<std::ffi::OsString> = argv.into_iter().collect();
    let command = Cli::command();
    // The first pass finds the command and the config file; a required flag may come from that
    // file (`compliance: {framework: cis-aks}`), so nothing is required yet. The second pass,
    // with the config's words added, is the strict one.
    let matches = without_required_args(command.clone())
        .try_get_matches_from(&argv)
        .map_err(ParseFailure::Clap)?;
    if let Some(path) = config::locate(&matches) {
        let extra = config::extra_args(&command, &matches, &path).map_err(ParseFailure::Usage)?;
        if !extra.is_empty() {
            argv.extend(extra);
            let matches = command.try_get_matches_from(&argv).map_err(|e| {
                ParseFailure::Usage(UsageError(format!(
                    "with the defaults of config file `{}`: {}",
                    crate::sanitize::terminal(&path.display().to_string()),
                    e.to_string().trim_start_matches("error: ").trim_end()
                )))
            })?;
            return Cli::from_arg_matches(&matches).map_err(ParseFailure::Clap);
        }
    }
    let matches = command.try_get_matches_from(&argv).map_err(ParseFailure::Clap)?;
    Cli::from_arg_matches(&matches).map_err(ParseFailure::Clap)
}

/// `command` with no argument required, in every subcommand.
fn without_required_args(command: clap::Command) -> clap::Command {
    let names: Vec<String> = command.get_subcommands().map(|s| s.get_name().to_string()).collect();
    let mut command = command.mut_args(|a| a.required(false));
    for name in names {
        command = command.mut_subcommand(name, without_required_args);
    }
    command
}

/// Exit codes, shown in `--help`.
pub const EXIT_CODES: &str = "Exit codes:
  0  no finding at or above --fail-on (default: error)
  1  findings at or above --fail-on
  2  usage error, bad policy or parameter, or nothing could be collected at all";

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
    /// Print the manual page (roff): `aks-certscan man | man -l -`.
    Man,
    /// Policy development commands.
    #[command(subcommand)]
    Policy(PolicyCommand),
}

/// Where facts come from. Every flag can be repeated and combined.
#[derive(Debug, Clone, Default, Args)]
pub struct SourceArgs {
    /// A kubeconfig as `az aks get-credentials` writes it (YAML or JSON).
    #[arg(long, value_name = "FILE", help_heading = "Sources")]
    pub kubeconfig: Vec<PathBuf>,
    /// A certificate file, or a directory walked recursively (PEM, DER, any file name).
    #[arg(long, value_name = "PATH", help_heading = "Sources")]
    pub certs: Vec<PathBuf>,
    /// A managed cluster as JSON: `az aks show -o json`, `az aks list -o json` or raw ARM (`-` reads stdin).
    #[arg(long, value_name = "FILE", help_heading = "Sources")]
    pub cluster: Vec<PathBuf>,
    /// `kubectl get nodes -o json` output (`-` reads stdin).
    #[arg(long, value_name = "FILE", help_heading = "Sources")]
    pub nodes: Vec<PathBuf>,
    /// A node's filesystem as mounted in a debug pod or DaemonSet (e.g. `/host`).
    #[arg(long, value_name = "DIR", help_heading = "Sources")]
    pub node_root: Vec<PathBuf>,
    /// A saved facts document to merge in (`-` reads stdin).
    #[arg(long = "facts", value_name = "FILE", help_heading = "Sources")]
    pub facts: Vec<PathBuf>,
    /// Probe a live API server's TLS chain (`HOST`, `HOST:PORT`, `[IPv6]:PORT` or an `https://` URL).
    #[arg(long, value_name = "HOST[:PORT]", help_heading = "Live checks")]
    pub endpoint: Vec<String>,
    /// Also probe the `server` of every kubeconfig cluster read (honouring its `tls-server-name`).
    #[arg(long, help_heading = "Live checks")]
    pub probe_kubeconfig_servers: bool,
    /// TLS server name (SNI) to send to every --endpoint instead of its host.
    #[arg(long, value_name = "NAME", help_heading = "Live checks")]
    pub tls_server_name: Option<String>,
    /// Time limit of each TLS probe, in seconds (name resolution, connect, proxy and handshake together);
    /// `az` and `kubectl` calls have their own 300-second limit.
    #[arg(long, value_name = "SECS", default_value_t = 5.0, help_heading = "Live checks")]
    pub timeout: f64,
    /// Scan a cluster live with the `az` and `kubectl` you are logged in with: RESOURCE_GROUP/NAME.
    #[arg(long, value_name = "RESOURCE_GROUP/NAME", help_heading = "Live checks")]
    pub aks: Vec<String>,
    /// Gather every node's facts from the pods of the node scanner DaemonSet (deploy/kubernetes)
    /// in NAMESPACE, with your `kubectl` (`kubectl exec`), and merge them.
    #[arg(long, value_name = "NAMESPACE", help_heading = "Fleet")]
    pub daemonset: Vec<String>,
    /// Every AKS cluster you can see, listed by Azure Resource Graph (`az graph query`, the
    /// `resource-graph` extension), each scanned live like --aks (see --inventory-only).
    #[arg(long, help_heading = "Fleet")]
    pub all_clusters: bool,
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
    pub login: LoginArg,
    /// The `kubelogin` executable, for Entra ID clusters.
    #[arg(
        long = "kubelogin",
        value_name = "PATH",
        default_value = "kubelogin",
        help_heading = "Live checks"
    )]
    pub kubelogin_path: PathBuf,
    /// Use the cluster-admin credentials for --aks (`az aks get-credentials --admin`).
    #[arg(long, help_heading = "Live checks")]
    pub admin: bool,
    /// With --aks, read node certificates with `az vmss run-command invoke` on every scale set.
    #[arg(long, help_heading = "Live checks")]
    pub node_certs: bool,
    /// The `az` executable for --aks.
    #[arg(long = "az", value_name = "PATH", default_value = "az", help_heading = "Live checks")]
    pub az_path: PathBuf,
    /// The `kubectl` executable for --aks.
    #[arg(
        long = "kubectl",
        value_name = "PATH",
        default_value = "kubectl",
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
    #[arg(long, value_name = "BYTES", default_value_t = crate::sources::read::input::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Worker threads for collection and evaluation (default: one per CPU). Output never
    /// depends on it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub threads: Option<u16>,
    /// Print how long each phase took (collect, derive, evaluate, render) and the peak memory on stderr.
    #[arg(long)]
    pub timings: bool,
}

impl SourceArgs {
    /// The collection these flags ask for: sources in a fixed kind order (each kind in the order
    /// given), endpoints after the files, `--aks` clusters last; with no source at all, the
    /// kubeconfig kubectl would read.
    pub fn plan(&self) -> Result<CollectPlan, UsageError> {
        let now = match &self.now {
            Some(text) => Instant::parse(text).map_err(|e| UsageError(format!("invalid --now: {e}")))?,
            None => Instant::now(),
        };
        let files = [
            (&self.kubeconfig, Source::Kubeconfig as fn(PathBuf) -> Source),
            (&self.certs, Source::Certs),
            (&self.cluster, Source::Cluster),
            (&self.nodes, Source::Nodes),
            (&self.node_root, Source::NodeRoot),
            (&self.facts, Source::Facts),
        ];
        let mut sources: Vec<Source> = files
            .iter()
            .flat_map(|(paths, make)| paths.iter().map(|p| make(p.clone())))
            .chain(self.endpoint.iter().map(|e| Source::Endpoint {
                target: e.clone(),
                server_name: self.tls_server_name.clone(),
            }))
            .chain(self.aks.iter().map(|a| Source::Aks(a.clone())))
            .chain(self.daemonset.iter().map(|n| Source::DaemonSet(n.clone())))
            .chain(self.all_clusters.then_some(Source::AllClusters))
            .collect();
        if self.subscription.len() > 1 && !self.aks.is_empty() && !self.all_clusters {
            return Err(UsageError(
                "--aks takes one --subscription; several narrow --all-clusters".into(),
            ));
        }
        if (self.inventory_only || !self.management_group.is_empty()) && !self.all_clusters {
            return Err(UsageError(
                "--inventory-only and --management-group go with --all-clusters".into(),
            ));
        }
        if self.cluster_timeout == 0 {
            return Err(UsageError("--cluster-timeout: expected seconds above 0".into()));
        }
        if sources.is_empty() {
            sources = crate::sources::kubeconfig::default_paths()
                .into_iter()
                .map(Source::Kubeconfig)
                .collect();
            if sources.is_empty() {
                return Err(UsageError(
                    "no source given and no kubeconfig found ($KUBECONFIG is unset or names no existing file, and ~/.kube/config does not exist)\n\
                     give at least one source: --kubeconfig FILE, --certs PATH, --cluster FILE, --nodes FILE, --node-root DIR, --facts FILE, --endpoint HOST[:PORT], --aks RESOURCE_GROUP/NAME or --all-clusters"
                        .into(),
                ));
            }
        }
        let timeout = if self.timeout.is_finite() && self.timeout > 0.0 && self.timeout <= 3600.0 {
            std::time::Duration::from_secs_f64(self.timeout)
        } else {
            return Err(UsageError(format!(
                "--timeout {}: expected seconds between 0 and 3600",
                self.timeout
            )));
        };
        Ok(CollectPlan {
            sources,
            now,
            context: CollectContext {
                max_file_size: self.max_file_size,
                probe: ProbeOptions {
                    timeout,
                    proxy: ProxyConfig::from_env().map_err(UsageError)?,
                },
            },
            probe_kubeconfig_servers: self.probe_kubeconfig_servers,
            live: LiveOptions {
                subscriptions: self.subscription.clone(),
                management_groups: self.management_group.clone(),
                inventory_only: self.inventory_only,
                admin: self.admin,
                node_certs: self.node_certs,
                jobs: usize::from(self.jobs),
                cluster_timeout: std::time::Duration::from_secs(self.cluster_timeout),
                login: match self.login {
                    LoginArg::Azurecli => KubeLogin::AzureCli,
                    LoginArg::Workloadidentity => KubeLogin::WorkloadIdentity,
                    LoginArg::Msi => KubeLogin::Msi,
                    LoginArg::Spn => KubeLogin::Spn,
                },
                az: self.az_path.clone(),
                kubectl: self.kubectl_path.clone(),
                kubelogin: self.kubelogin_path.clone(),
                progress: !self.no_progress,
            },
        })
    }
}

/// `--login` values: the `-l` of `kubelogin convert-kubeconfig`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum LoginArg {
    /// The Azure CLI login you already have (`az login`).
    #[default]
    Azurecli,
    /// Workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE).
    Workloadidentity,
    /// A managed identity.
    Msi,
    /// A service principal (AAD_SERVICE_PRINCIPAL_CLIENT_ID, AAD_SERVICE_PRINCIPAL_CLIENT_SECRET).
    Spn,
}

/// `facts` arguments.
#[derive(Debug, Args)]
pub struct FactsArgs {
    /// Sources.
    #[command(flatten)]
    pub sources: SourceArgs,
    /// Write the facts document here instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.help()))
    }
}

/// Minimum level that fails the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Fail on errors.
    Error,
    /// Fail on warnings and errors.
    Warning,
    /// Fail on any finding.
    Note,
    /// Never fail because of findings.
    Never,
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
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
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
    #[arg(long, value_name = "OLD.sarif", help_heading = "Output")]
    pub baseline: Option<PathBuf>,
    /// Waivers: a YAML file of exceptions, each with a rule, what it waives (resource, cluster or
    /// path glob), a reason and an `expires` date (docs/exceptions.md).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub exceptions: Option<PathBuf>,
    /// Where to write the facts document used (default: beside the SARIF output, `<name>.facts.json`).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub facts_out: Option<PathBuf>,
    /// Disable colour in text output (also honoured: the NO_COLOR variable).
    #[arg(long, help_heading = "Output")]
    pub no_color: bool,
    /// Aggregate SARIF results per rule and cluster: `auto` above 5,000 findings (what GitHub
    /// shows), `always`, or `never`. Other formats keep every finding.
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        default_value = "auto",
        help_heading = "Output"
    )]
    pub sarif_aggregate: AggregateArg,
    /// Also write one SARIF file per cluster into DIR (`<rg>_<name>.sarif`, and `no-cluster.sarif`),
    /// each with its own `automationDetails.id`, to upload with one category per cluster.
    #[arg(long, value_name = "DIR", help_heading = "Output")]
    pub sarif_per_cluster: Option<PathBuf>,
}

/// `--sarif-aggregate` values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum AggregateArg {
    /// Above 5,000 findings.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Which policies run and with what parameters (`scan` and `serve`).
#[derive(Debug, Clone, Default, Args)]
pub struct PolicyArgs {
    /// A directory of extra Rego policies (rules with their own ids), added to the bundled ones.
    #[arg(long, value_name = "DIR", help_heading = "Policies")]
    pub policy: Vec<PathBuf>,
    /// Override a rule parameter: `KEY=VALUE` (every rule with that parameter) or `RULE_ID.KEY=VALUE`.
    #[arg(long, value_name = "KEY=VALUE", help_heading = "Policies")]
    pub param: Vec<String>,
    /// A JSON or YAML file with parameters: `{"params": {"CERT002": {"expiry_warning_days": 14}}}`.
    #[arg(long, value_name = "FILE", help_heading = "Policies")]
    pub data: Option<PathBuf>,
    /// Do not evaluate this rule (repeatable).
    #[arg(long, value_name = "RULE_ID", help_heading = "Policies")]
    pub skip: Vec<String>,
}

/// The policy choices, as plain options.
#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    /// Extra policy directories.
    pub policy_dirs: Vec<PathBuf>,
    /// `--param` values, unparsed.
    pub params: Vec<String>,
    /// `--data` file.
    pub data: Option<PathBuf>,
    /// `--skip` ids, unchecked.
    pub skip: Vec<String>,
}

impl PolicyArgs {
    /// The plain options.
    pub fn options(&self) -> PolicyOptions {
        PolicyOptions {
            policy_dirs: self.policy.clone(),
            params: self.param.clone(),
            data: self.data.clone(),
            skip: self.skip.clone(),
        }
    }
}

/// Formats of `compliance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ComplianceFormat {
    /// A Markdown report for people and auditors.
    Markdown,
    /// The report as JSON.
    Json,
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
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
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

/// `compliance`, as plain options.
#[derive(Debug, Clone)]
pub struct ComplianceOptions {
    /// What to collect.
    pub plan: CollectPlan,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Policies and parameters.
    pub policies: PolicyOptions,
    /// Framework id.
    pub framework: String,
    /// `(format, file)` pairs; `None` is standard output.
    pub outputs: Vec<(ComplianceFormat, Option<PathBuf>)>,
    /// Failing findings at or above this level fail the run.
    pub fail_on: Option<Level>,
}

impl ComplianceArgs {
    /// Checks the flags and turns them into plain options.
    pub fn options(&self) -> Result<ComplianceOptions, UsageError> {
        if self.output.len() > self.format.len().max(1) {
            return Err(UsageError("give a --format for each --output".into()));
        }
        let formats = if self.format.is_empty() {
            vec![ComplianceFormat::Markdown]
        } else {
            self.format.clone()
        };
        let outputs: Vec<(ComplianceFormat, Option<PathBuf>)> = formats
            .iter()
            .enumerate()
            .map(|(i, f)| (*f, self.output.get(i).cloned()))
            .collect();
        if outputs.iter().filter(|(_, p)| p.is_none()).count() > 1 {
            return Err(UsageError(
                "only one --format can go to standard output; give the others an --output FILE".into(),
            ));
        }
        if !crate::policy::frameworks::is_framework_id(&self.framework) {
            return Err(UsageError(format!(
                "--framework `{}`: expected an id like cis-aks",
                self.framework
            )));
        }
        Ok(ComplianceOptions {
            plan: self.sources.plan()?,
            threads: self.sources.threads.map(usize::from),
            policies: self.policies.options(),
            framework: self.framework.clone(),
            outputs,
            fail_on: fail_level(self.fail_on),
        })
    }
}

/// The level `--fail-on` names (`never`: none).
pub fn fail_level(fail_on: FailOn) -> Option<Level> {
    match fail_on {
        FailOn::Error => Some(Level::Error),
        FailOn::Warning => Some(Level::Warning),
        FailOn::Note => Some(Level::Note),
        FailOn::Never => None,
    }
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

/// `serve`, as plain options.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// What to collect on every scan. With `--now`, every scan evaluates at that time (tests);
    /// otherwise each scan evaluates at the time it starts.
    pub plan: CollectPlan,
    /// Whether `--now` fixed the evaluation time.
    pub fixed_now: bool,
    /// Policies and parameters.
    pub policies: PolicyOptions,
    /// Worker threads.
    pub threads: Option<usize>,
    /// Listening address.
    pub listen: String,
    /// Time between scans.
    pub interval: std::time::Duration,
    /// Series limits.
    pub limits: crate::report::prometheus::Limits,
}

/// Parses `30s`, `15m`, `1h`, `1d` or plain seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, UsageError> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit() && c != '.') {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let scale = match unit {
        "ms" => 0.001,
        "s" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(UsageError(format!("`{text}`: expected a duration like 30s, 15m or 1h"))),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| UsageError(format!("`{text}`: expected a duration like 30s, 15m or 1h")))?;
    let seconds = value * scale;
    if !(seconds.is_finite() && seconds > 0.0 && seconds <= 366.0 * 86400.0) {
        return Err(UsageError(format!(
            "`{text}`: expected a duration between 1ms and a year"
        )));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

impl ServeArgs {
    /// Checks the flags and turns them into plain options.
    pub fn options(&self) -> Result<ServeOptions, UsageError> {
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return Err(UsageError(format!(
                "--listen `{}`: expected an address and port, like 127.0.0.1:9102 or [::]:9102",
                self.listen
            )));
        }
        Ok(ServeOptions {
            plan: self.sources.plan()?,
            fixed_now: self.sources.now.is_some(),
            policies: self.policies.options(),
            threads: self.sources.threads.map(usize::from),
            listen: self.listen.clone(),
            interval: parse_duration(&self.interval).map_err(|e| UsageError(format!("--interval {e}")))?,
            limits: crate::report::prometheus::Limits {
                certificates: self.max_certificate_series,
                findings: self.max_finding_series,
            },
        })
    }
}

/// One report to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputSpec {
    /// Its format.
    pub format: Format,
    /// Its file; `None` is standard output.
    pub path: Option<PathBuf>,
}

/// Where `scan` writes the facts document it evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FactsOut {
    /// `--facts-out FILE`: the full document, with every certificate's DER, so that it can be
    /// merged with `--facts` later.
    Full(PathBuf),
    /// SARIF output without `--facts-out`: when a finding or a collection error came from no file
    /// (a live probe, standard input), SARIF points it at the lean document (no DER) written
    /// here: beside the SARIF file (`results.sarif` gives `results.facts.json`), or
    /// `aks-certscan.facts.json` when SARIF goes to standard output. Otherwise nothing is written.
    WhenNeeded(PathBuf),
    /// No SARIF output and no `--facts-out`: none.
    None,
}

pub use crate::report::DEFAULT_FACTS_FILE;

/// Everything `scan` needs, checked and free of clap types.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// What to collect.
    pub plan: CollectPlan,
    /// `--threads`.
    pub threads: Option<usize>,
    /// Policies and parameters.
    pub policies: PolicyOptions,
    /// The reports to write, at least one, at most one on standard output.
    pub outputs: Vec<OutputSpec>,
    /// Findings at or above this level fail the run; `None` never fails.
    pub fail_on: Option<Level>,
    /// `--baseline` SARIF file.
    pub baseline: Option<PathBuf>,
    /// Where the facts document goes.
    pub facts_out: FactsOut,
    /// Colour the text report (a terminal, no `--no-color`, no `NO_COLOR`).
    pub color: bool,
    /// Print phase timings on stderr.
    pub timings: bool,
    /// When SARIF results are aggregated.
    pub sarif_aggregate: crate::report::aggregate::Aggregate,
    /// `--sarif-per-cluster DIR`.
    pub sarif_per_cluster: Option<PathBuf>,
    /// `--exceptions FILE`.
    pub exceptions: Option<PathBuf>,
}

/// Everything `facts` needs.
#[derive(Debug, Clone)]
pub struct FactsOptions {
    /// What to collect.
    pub plan: CollectPlan,
    /// `--threads`.
    pub threads: Option<usize>,
    /// The file to write; `None` is standard output.
    pub output: Option<PathBuf>,
    /// Print phase timings on stderr.
    pub timings: bool,
}

impl FactsArgs {
    /// The checked options.
    pub fn options(&self) -> Result<FactsOptions, UsageError> {
        Ok(FactsOptions {
            plan: self.sources.plan()?,
            threads: self.sources.threads.map(usize::from),
            output: self.output.clone(),
            timings: self.sources.timings,
        })
    }
}

impl ScanArgs {
    /// The checked options: each `--output` paired with its `--format`, and where the facts go.
    pub fn options(&self) -> Result<ScanOptions, UsageError> {
        if self.output.len() > self.format.len().max(1) {
            return Err(UsageError(format!(
                "{} --output files but {} --format: give a --format for each --output",
                self.output.len(),
                self.format.len()
            )));
        }
        let formats = if self.format.is_empty() {
            vec![Format::Text]
        } else {
            self.format.clone()
        };
        let outputs: Vec<OutputSpec> = formats
            .iter()
            .enumerate()
            .map(|(i, format)| OutputSpec {
                format: *format,
                path: self.output.get(i).cloned(),
            })
            .collect();
        if outputs.iter().filter(|o| o.path.is_none()).count() > 1 {
            return Err(UsageError(
                "only one --format can go to standard output; give the others an --output FILE".into(),
            ));
        }
        let sarif = outputs.iter().find(|o| o.format == Format::Sarif);
        let facts_out = match (&self.facts_out, sarif) {
            (Some(path), _) => FactsOut::Full(path.clone()),
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
        let color = !self.no_color
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::IsTerminal::is_terminal(&std::io::stdout());
        Ok(ScanOptions {
            plan: self.sources.plan()?,
            threads: self.sources.threads.map(usize::from),
            policies: self.policies.options(),
            outputs,
            fail_on: fail_level(self.fail_on),
            baseline: self.baseline.clone(),
            facts_out,
            color,
            timings: self.sources.timings,
            sarif_aggregate: match self.sarif_aggregate {
                AggregateArg::Auto => crate::report::aggregate::Aggregate::Auto,
                AggregateArg::Always => crate::report::aggregate::Aggregate::Always,
                AggregateArg::Never => crate::report::aggregate::Aggregate::Never,
            },
            sarif_per_cluster: self.sarif_per_cluster.clone(),
            exceptions: self.exceptions.clone(),
        })
    }
}

/// Shells `completions` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash.
    Bash,
    /// Zsh.
    Zsh,
    /// Fish.
    Fish,
    /// PowerShell.
    Powershell,
    /// Elvish.
    Elvish,
}

/// `completions` arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: Shell,
}

/// `rules` arguments.
#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Catalogue format.
    #[arg(long, short, value_enum, default_value = "text")]
    pub format: RulesFormat,
    /// Also load the rules in these policy directories.
    #[arg(long, value_name = "DIR")]
    pub policy: Vec<PathBuf>,
}

/// Formats of `rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One rule a paragraph.
    Text,
    /// The metadata as JSON.
    Json,
    /// The catalogue as Markdown (`docs/rules.md`).
    Markdown,
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
    pub dirs: Vec<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn scan(args: &[&str]) -> Result<ScanOptions, UsageError> {
        let cli = Cli::try_parse_from(["aks-certscan", "scan", "--certs", "x"].iter().chain(args)).expect("parses");
        match cli.command {
            Command::Scan(scan) => scan.options(),
            _ => unreachable!("scan was parsed"),
        }
    }

    #[test]
    fn facts_go_beside_the_sarif_file_when_needed_unless_asked_for() {
        let options = scan(&["--format", "sarif", "--output", "out/results.sarif", "--format", "text"]).expect("valid");
        assert_eq!(
            options.outputs[1],
            OutputSpec {
                format: Format::Text,
                path: None
            }
        );
        assert_eq!(
            options.facts_out,
            FactsOut::WhenNeeded(PathBuf::from("out/results.facts.json"))
        );
        let asked = scan(&["--format", "sarif", "--facts-out", "all.json"]).expect("valid");
        assert_eq!(asked.facts_out, FactsOut::Full(PathBuf::from("all.json")));
        assert_eq!(
            scan(&["--format", "sarif"]).expect("valid").facts_out,
            FactsOut::WhenNeeded(PathBuf::from(DEFAULT_FACTS_FILE))
        );
        assert_eq!(scan(&[]).expect("valid").facts_out, FactsOut::None);
    }

    #[test]
    fn outputs_pair_with_formats() {
        assert!(scan(&["--output", "a", "--output", "b"]).is_err());
        assert!(scan(&["--format", "json", "--format", "text"]).is_err());
    }

    #[test]
    fn sources_keep_their_kind_order() {
        let cli = Cli::try_parse_from([
            "aks-certscan",
            "facts",
            "--aks",
            "rg/a",
            "--endpoint",
            "h:443",
            "--certs",
            "c",
            "--kubeconfig",
            "k",
        ])
        .expect("parses");
        let Command::Facts(args) = cli.command else {
            unreachable!("facts was parsed")
        };
        let kinds: Vec<String> = args
            .options()
            .expect("valid")
            .plan
            .sources
            .iter()
            .map(|s| format!("{:?}", s.kind()))
            .collect();
        assert_eq!(kinds, ["Kubeconfig", "Certs", "Endpoint", "Cluster"]);
    }
}
