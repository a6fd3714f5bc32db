//! `.aks-certscan.yaml`: defaults for any flag, kept in the repository.
//!
//! Found in the working directory (`.aks-certscan.yaml` or `.aks-certscan.yml`), or given with
//! `--config FILE` (before or after the command). Keys are long flag names without the dashes.
//! Top-level keys apply to every command that has the flag (sources, policies, `max-file-size`,
//! ...); a section per command (`scan:`, `facts:`, `compliance:`, `serve:`) holds flags of that
//! command only. A flag given on the command line wins: the config's value for it is not used
//! (for repeatable flags too: `--certs x` replaces the config's `certs` list). A key that is no
//! flag of any command is an error naming the key and its line.
//!
//! ```yaml
//! kubeconfig: [~/.kube/config]
//! certs: [certs/]
//! max-file-size: 33554432
//! scan:
//!   format: [sarif, text]
//!   output: [results.sarif]
//!   fail-on: warning
//!   exceptions: .aks-certscan-exceptions.yaml
//!   param: [CERT002.expiry_warning_days=14]
//!   skip: [CERT004]
//! ```
//!
//! Values: a string, number or boolean, or a list of them (a repeatable flag). `true` turns a
//! switch on; `false` leaves it off. A leading `~/` is the home directory.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, Command};
use serde_json::Value;

use super::error::UsageError;

/// The files looked for in the working directory, in order.
pub const DEFAULT_FILES: &[&str] = &[".aks-certscan.yaml", ".aks-certscan.yml"];

/// Commands whose section a config file may have.
const SECTIONS: &[&str] = &["scan", "facts", "compliance", "serve", "rules", "policy"];

/// Flags that are not taken from a config file: the config file itself, help and version.
const NOT_CONFIGURABLE: &[&str] = &["config", "help", "version"];

/// The config file to use: `--config` (as clap parsed it), else a default file in the working
/// directory, else none.
pub fn locate(matches: &ArgMatches) -> Option<PathBuf> {
    if let Some(path) = find_config_flag(matches) {
        return Some(path);
    }
    DEFAULT_FILES.iter().map(PathBuf::from).find(|p| p.is_file())
}

fn find_config_flag(matches: &ArgMatches) -> Option<PathBuf> {
    if let Ok(Some(path)) = matches.try_get_one::<PathBuf>("config") {
        return Some(path.clone());
    }
    let (_, sub) = matches.subcommand()?;
    find_config_flag(sub)
}

/// The line of `key:` in `text`, searching after `after` (a section's line) when given.
fn line_of(text: &str, key: &str, after: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(after)
        .find(|(_, l)| {
            let t = l.trim_start();
            t.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
                || t.strip_prefix(&format!("\"{key}\""))
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
        })
        .map(|(n, _)| n + 1)
        .unwrap_or(0)
}

/// Long flag names of a command (and of its subcommands, for `policy`).
fn flags_of(command: &Command) -> Vec<String> {
    let mut out: Vec<String> = command
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .filter(|l| !NOT_CONFIGURABLE.contains(&l.as_str()))
        .collect();
    for sub in command.get_subcommands() {
        out.extend(flags_of(sub));
    }
    out
}

fn expand_home(text: &str) -> String {
    match text.strip_prefix("~/") {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(rest).display().to_string(),
            None => text.to_string(),
        },
        None => text.to_string(),
    }
}

/// The command-line words for one key's value.
fn words(flag: &str, value: &Value, file: &str, line: usize) -> Result<Vec<OsString>, UsageError> {
    let scalar = |v: &Value| -> Result<String, UsageError> {
        match v {
            Value::String(s) => Ok(expand_home(s)),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(UsageError(format!(
                "{file}:{line}: `{flag}` takes a string, number or boolean, or a list of them"
            ))),
        }
    };
    Ok(match value {
        Value::Bool(true) => vec![format!("--{flag}").into()],
        Value::Bool(false) | Value::Null => Vec::new(),
        Value::Array(items) => {
            let mut out = Vec::new();
            for item in items {
                out.push(format!("--{flag}").into());
                out.push(scalar(item)?.into());
            }
            out
        }
        Value::Object(map) if flag == "param" => {
            // `param: {CERT002.expiry_warning_days: 14}` is `--param CERT002.expiry_warning_days=14`.
            let mut out = Vec::new();
            for (k, v) in map {
                out.push("--param".into());
                out.push(format!("{k}={}", scalar(v)?).into());
            }
            out
        }
        other => vec![format!("--{flag}").into(), scalar(other)?.into()],
    })
}

/// The words a config file adds to `argv` for the command `matches` parsed: every key that is a
/// flag of that command and was not given on the command line.
pub fn extra_args(command: &Command, matches: &ArgMatches, path: &Path) -> Result<Vec<OsString>, UsageError> {
    let shown = crate::sanitize::terminal(&path.display().to_string());
    let text = crate::safe_io::read_regular_text(path, crate::safe_io::DEFAULT_MAX_FILE_SIZE)
        .map_err(|e| UsageError(format!("config file `{shown}`: {e}")))?;
    let options = serde_saphyr::options! { with_snippet: false };
    let doc: Value = if text.trim().is_empty() {
        Value::Object(Default::default())
    } else {
        serde_saphyr::from_str_with_options(&text, options)
            .map_err(|e| UsageError(format!("config file `{shown}` is not valid YAML: {e}")))?
    };
    let Value::Object(top) = doc else {
        return Err(UsageError(format!(
            "config file `{shown}`: expected a mapping of flag names to values"
        )));
    };
    // Every flag of every command: a key must be one of them.
    let all: std::collections::BTreeSet<String> = command.get_subcommands().flat_map(flags_of).collect();
    let (name, sub_matches) = matches
        .subcommand()
        .ok_or_else(|| UsageError("no command given".into()))?;
    let sub_command = command
        .find_subcommand(name)
        .ok_or_else(|| UsageError(format!("unknown command `{name}`")))?;
    let own: Vec<String> = flags_of(sub_command);
    // Section entries first: they win over top-level ones.
    let mut entries: Vec<(String, Value, usize)> = Vec::new();
    let mut top_entries: Vec<(String, Value, usize)> = Vec::new();
    let mut problems = Vec::new();
    for (key, value) in &top {
        let line = line_of(&text, key, 0);
        if SECTIONS.contains(&key.as_str()) {
            let Value::Object(section) = value else {
                problems.push(format!(
                    "{shown}:{line}: `{key}` is a section: give it flag names and values"
                ));
                continue;
            };
            let section_flags = command.find_subcommand(key).map(flags_of).unwrap_or_default();
            for (k, v) in section {
                let l = line_of(&text, k, line);
                if !section_flags.contains(k) {
                    problems.push(format!("{shown}:{l}: `{k}` is not a flag of `aks-certscan {key}`"));
                } else if key == name {
                    entries.push((k.clone(), v.clone(), l));
                }
            }
        } else if !all.contains(key) {
            problems.push(format!(
                "{shown}:{line}: unknown key `{key}`: expected a flag name (like `certs` or `fail-on`) or a command section ({})",
                SECTIONS.join(", ")
            ));
        } else if own.contains(key) {
            top_entries.push((key.clone(), value.clone(), line));
        }
    }
    if !problems.is_empty() {
        return Err(UsageError(problems.join("\n")));
    }
    // Flags given on the command line win; section values win over top-level ones.
    let mut out = Vec::new();
    let mut taken: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    entries.extend(top_entries);
    for (flag, value, line) in entries {
        let id = sub_command
            .get_arguments()
            .find(|a| a.get_long() == Some(flag.as_str()))
            .map(|a| a.get_id().to_string());
        let given = id
            .as_deref()
            .is_some_and(|id| sub_matches.value_source(id) == Some(ValueSource::CommandLine));
        if given || !taken.insert(flag.clone()) {
            continue;
        }
        out.extend(words(&flag, &value, &shown, line)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_found_on_their_lines() {
        let text = "certs: [a]\nscan:\n  format: [json]\n  fail-on: warning\nfacts:\n  fail-on: x\n";
        assert_eq!(line_of(text, "certs", 0), 1);
        assert_eq!(line_of(text, "fail-on", 2), 4);
        assert_eq!(line_of(text, "fail-on", 4), 6);
    }

    #[test]
    fn values_become_words() {
        let w = |v: Value| words("certs", &v, "f", 1).expect("words");
        assert_eq!(w(serde_json::json!(["a", "b"])), ["--certs", "a", "--certs", "b"]);
        assert_eq!(
            words("all-clusters", &serde_json::json!(true), "f", 1).expect("w"),
            ["--all-clusters"]
        );
        assert!(words("all-clusters", &serde_json::json!(false), "f", 1)
            .expect("w")
            .is_empty());
        assert_eq!(
            words("param", &serde_json::json!({"CERT002.expiry_warning_days": 14}), "f", 1).expect("w"),
            ["--param", "CERT002.expiry_warning_days=14"]
        );
    }
}
