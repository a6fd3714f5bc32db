//! The command line, split the way ripgrep's `flags/` is:
//!
//! - [`args`]: the clap definitions (the source flags come from [`crate::sources::FLAGS`]);
//! - [`config`]: `.aks-certscan.yaml`, defaults for any flag;
//! - [`resolve`]: checks and conversion into the typed options of [`options`] ([`Mode`]);
//! - [`env`](mod@env): what comes from the environment (colour, proxies, the default kubeconfig, CI
//!   provenance) and small texts (durations).
//!
//! Every closed set of values (output formats, `--fail-on`, `--sarif-aggregate`, `--login`) is an
//! enum of the layer that owns it, named through [`crate::choice::Choice`] and turned into a clap
//! value by one macro here. No clap type is seen below this module.

pub mod args;
pub mod config;
pub mod env;
pub mod error;
pub mod options;
pub mod resolve;

use clap::builder::PossibleValue;
use clap::{CommandFactory, FromArgMatches, ValueEnum};

use crate::choice::Choice;
pub use args::{Cli, EXIT_CODES};
pub use error::{ParseFailure, UsageError};
pub use options::{
    ComplianceOptions, FactsOptions, FactsOut, Mode, OutputSpec, RulesOptions, ScanOptions, ServeOptions,
};

/// Makes clap values of enums that name their values through [`Choice`].
macro_rules! value_enums {
    ($($ty:ty),* $(,)?) => {$(
        impl ValueEnum for $ty {
            fn value_variants<'a>() -> &'a [Self] {
                <$ty as Choice>::ALL
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(Choice::name(*self)).help(Choice::help(*self)))
            }
        }
    )*};
}

value_enums!(
    crate::report::Format,
    crate::report::ComplianceFormat,
    crate::report::CatalogueFormat,
    crate::report::sarif::aggregate::Aggregate,
    crate::triage::FailOn,
    crate::sources::live::KubeLogin,
);

/// Parses the command line, with the defaults of the config file (`--config`, or
/// `.aks-certscan.yaml` in the working directory) for every flag not given, and resolves it into
/// the command to run.
pub fn parse(argv: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Mode, ParseFailure> {
    let cli = parse_args(argv)?;
    resolve::mode(cli).map_err(ParseFailure::Usage)
}

/// Parses the command line into clap's [`Cli`], with the config file's defaults.
pub fn parse_args(argv: impl IntoIterator<Item = std::ffi::OsString>) -> Result<Cli, ParseFailure> {
    let mut argv: Vec<std::ffi::OsString> = argv.into_iter().collect();
    let command = Cli::command();
    // The first pass finds the command and the config file; a required flag may come from that
    // file (`compliance: {framework: cis-aks}`), so nothing is required yet. The second pass,
    // with the config's words added, is the strict one.
    let matches = without_required_args(command.clone())
        .try_get_matches_from(&argv)
        .map_err(ParseFailure::Clap)?;
    let trusted = std::env::var_os(config::TRUST_VARIABLE);
    if let Some(located) = config::locate(&matches, trusted.as_deref()) {
        let applied = config::extra_args(&command, &matches, &located).map_err(ParseFailure::Usage)?;
        if !applied.words.is_empty() {
            // Where each default came from, for the log (standard error; never fails the run).
            crate::log::line(&applied.summary(&located));
            argv.extend(applied.words);
            let matches = command.try_get_matches_from(&argv).map_err(|e| {
                ParseFailure::Usage(UsageError(format!(
                    "with the defaults of config file `{}`: {}",
                    crate::sanitize::terminal(&located.path.display().to_string()),
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

#[cfg(test)]
mod tests {
    use super::args::Command;
    use super::*;
    use crate::report::{Format, DEFAULT_FACTS_FILE};
    use clap::Parser;
    use std::path::PathBuf;

    #[test]
    fn clap_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    fn scan(args: &[&str]) -> Result<ScanOptions, UsageError> {
        let cli = Cli::try_parse_from(["aks-certscan", "scan", "--certs", "x"].iter().chain(args)).expect("parses");
        match cli.command {
            Command::Scan(scan) => resolve::scan(&scan),
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
    fn formats_follow_output_extensions_and_disagreements_are_errors() {
        let formats = |args: &[&str]| -> Vec<(Format, Option<String>)> {
            scan(args)
                .expect("valid")
                .outputs
                .into_iter()
                .map(|o| (o.format, o.path.map(|p| p.display().to_string())))
                .collect()
        };
        assert_eq!(
            formats(&["--output", "results.sarif"]),
            [(Format::Sarif, Some("results.sarif".into()))]
        );
        assert_eq!(
            formats(&["--output", "r.SARIF.json"]),
            [(Format::Sarif, Some("r.SARIF.json".into()))]
        );
        assert_eq!(
            formats(&["--output", "a.json", "--output", "b.xml", "--output", "c.prom", "--output", "d.txt"]),
            [
                (Format::Json, Some("a.json".into())),
                (Format::Junit, Some("b.xml".into())),
                (Format::Prometheus, Some("c.prom".into())),
                (Format::Text, Some("d.txt".into()))
            ]
        );
        // No extension: the default, as before.
        assert_eq!(
            formats(&["--output", "report"]),
            [(Format::Text, Some("report".into()))]
        );
        // Given formats win when they agree; a disagreement is an error naming both.
        assert_eq!(formats(&["--format", "sarif", "--output", "x.sarif"]).len(), 1);
        let err = scan(&["--format", "text", "--output", "results.sarif"]).expect_err("disagree");
        assert!(
            err.0.contains("names a sarif file but its --format is text"),
            "{}",
            err.0
        );
        let html = scan(&["--output", "report.html"]).expect("html");
        assert_eq!(html.outputs[0].format, Format::Html);
        // The page holds every certificate (its timeline) and the compliance verdicts.
        assert!(html.plan.coverage && html.plan.streaming == crate::pipeline::Streaming::Never);
        assert!(scan(&["--output", "report.md"])
            .expect_err("compliance")
            .0
            .contains("compliance"));
        // A format without an output goes to standard output, and `-` is standard output.
        assert_eq!(
            formats(&["--format", "sarif", "--output", "x.sarif", "--format", "text"]),
            [(Format::Sarif, Some("x.sarif".into())), (Format::Text, None)]
        );
        assert_eq!(formats(&["--format", "json", "--output", "-"]), [(Format::Json, None)]);
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
        let kinds: Vec<String> = resolve::facts(&args)
            .expect("valid")
            .plan
            .sources
            .iter()
            .map(|s| format!("{:?}", s.kind()))
            .collect();
        assert_eq!(kinds, ["Kubeconfig", "Certs", "Endpoint", "Cluster"]);
    }
}
