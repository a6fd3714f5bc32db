//! The command line (clap derive). Parsing only: each command turns its arguments into plain
//! options before any work starts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::facts::model::SourceKind;
use crate::facts::SourceSpec;

/// Scan Azure Kubernetes Service certificates and rotation health, before they cause an outage.
///
/// Collectors read kubeconfigs, certificate files, `az aks show` output, node lists and node
/// filesystems into one facts document; bundled Rego policies judge it; findings go out as text,
/// JSON, SARIF (GitHub code scanning, Azure DevOps), JUnit or GitHub annotations.
#[derive(Debug, Parser)]
#[command(name = "aks-certscan", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
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
    /// List the rule catalogue, from the policies' own metadata.
    Rules(RulesArgs),
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
    /// Subscription for --aks (default: az's current one).
    #[arg(long, value_name = "ID", help_heading = "Live checks")]
    pub subscription: Option<String>,
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
    #[arg(long, value_name = "BYTES", default_value_t = crate::facts::input::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
}

impl SourceArgs {
    /// The sources in a fixed kind order, each kind in the order given.
    pub fn specs(&self) -> Vec<SourceSpec> {
        // Each kind in the order given; endpoints after the files.
        let groups: [(SourceKind, &Vec<PathBuf>); 6] = [
            (SourceKind::Kubeconfig, &self.kubeconfig),
            (SourceKind::Certs, &self.certs),
            (SourceKind::Cluster, &self.cluster),
            (SourceKind::Nodes, &self.nodes),
            (SourceKind::NodeRoot, &self.node_root),
            (SourceKind::Facts, &self.facts),
        ];
        groups
            .iter()
            .flat_map(|(kind, paths)| paths.iter().map(|p| SourceSpec::new(*kind, p.clone())))
            .chain(self.endpoint.iter().map(|e| SourceSpec {
                kind: SourceKind::Endpoint,
                path: e.into(),
                server_name: self.tls_server_name.clone(),
            }))
            .collect()
    }
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

/// Output formats of `scan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Readable report, grouped by cluster and source, worst first.
    Text,
    /// The findings model as JSON.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning and Azure DevOps.
    Sarif,
    /// JUnit XML, one test case per rule and resource.
    Junit,
    /// GitHub Actions workflow commands (inline annotations).
    Github,
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
    /// Output format; repeat together with --output to write several (`--format sarif --output a.sarif --format text`).
    #[arg(long, short, value_enum, help_heading = "Output")]
    pub format: Vec<Format>,
    /// Output file for the --format at the same position; standard output when absent.
    #[arg(long, short, value_name = "FILE", help_heading = "Output")]
    pub output: Vec<PathBuf>,
    /// Minimum level that makes the exit code 1.
    #[arg(long, value_enum, default_value = "error", help_heading = "Output")]
    pub fail_on: FailOn,
    /// A previous SARIF file: results get `baselineState`, and --fail-on counts only new ones.
    #[arg(long, value_name = "OLD.sarif", help_heading = "Output")]
    pub baseline: Option<PathBuf>,
    /// Where to write the facts document used (default: beside the SARIF output, `<name>.facts.json`).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub facts_out: Option<PathBuf>,
    /// Disable colour in text output (also honoured: the NO_COLOR variable).
    #[arg(long, help_heading = "Output")]
    pub no_color: bool,
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
}
