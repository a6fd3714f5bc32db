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
//! switch on; `false` leaves it off. A leading `~/` is the home directory; any other relative path
//! is relative to the folder of the config file (not the working directory), so
//! `--config /abs/repo/.aks-certscan.yaml` means the same from anywhere.
//!
//! ## Trust
//!
//! A file named with `--config` is the user's own choice and is trusted. A file *found* in the
//! working directory belongs to whatever is checked out there, which in CI is the code under
//! review: a pull request can add or edit it. Such a file may set sources, formats and outputs
//! inside its folder, and make the gate stricter, but unless it is trusted it may not
//!
//! - name a program to run (`az`, `kubectl`, `kubelogin`),
//! - weaken the gate (`fail-on: never`, `skip`, `param`, `data`, and `exceptions` or `baseline`
//!   files outside its folder),
//! - write outside its folder (`output`, `facts-out`, `sarif-per-cluster`).
//!
//! Any of these is an error (exit 2) naming each key, its line and how to trust the file: pass it
//! with `--config`, or list it (or its folder, or `*` for any) in `AKS_CERTSCAN_TRUSTED_CONFIG`,
//! paths separated like `PATH`, as git's `safe.directory` lists repositories. Whatever a config
//! file sets is printed on standard error, so a log shows where a flag came from.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::parser::ValueSource;
use clap::{ArgMatches, Command, ValueHint};
use serde_json::Value;

use super::error::UsageError;

/// The files looked for in the working directory, in order.
pub const DEFAULT_FILES: &[&str] = &[".aks-certscan.yaml", ".aks-certscan.yml"];

/// Commands whose section a config file may have.
const SECTIONS: &[&str] = &["scan", "facts", "compliance", "serve", "rules", "policy"];

/// Flags that are not taken from a config file: the config file itself, help and version.
const NOT_CONFIGURABLE: &[&str] = &["config", "help", "version"];

/// The environment variable that trusts config files found in the working directory: `*`, or
/// config files and folders separated like `PATH`.
pub const TRUST_VARIABLE: &str = "AKS_CERTSCAN_TRUSTED_CONFIG";

/// A config file to read, and how far it is trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file.
    pub path: PathBuf,
    /// How it was found.
    pub found: Found,
}

/// How a config file was found, which decides what it may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Found {
    /// Named with `--config`: the user chose it.
    Explicit,
    /// In the working directory, and listed in [`TRUST_VARIABLE`].
    ImplicitTrusted,
    /// In the working directory: it may belong to the code under scan.
    Implicit,
}

impl Found {
    fn describe(self) -> &'static str {
        match self {
            Found::Explicit => "given with --config",
            Found::ImplicitTrusted => "found in the working directory, trusted by AKS_CERTSCAN_TRUSTED_CONFIG",
            Found::Implicit => "found in the working directory",
        }
    }
}

/// The config file to use: `--config` (as clap parsed it), else a default file in the working
/// directory (trusted when `trusted` lists it: the value of [`TRUST_VARIABLE`]), else none.
pub fn locate(matches: &ArgMatches, trusted: Option<&std::ffi::OsStr>) -> Option<Located> {
    if let Some(path) = find_config_flag(matches) {
        return Some(Located {
            path,
            found: Found::Explicit,
        });
    }
    let path = DEFAULT_FILES.iter().map(PathBuf::from).find(|p| p.is_file())?;
    let found = if trusted.is_some_and(|list| lists(list, &path)) {
        Found::ImplicitTrusted
    } else {
        Found::Implicit
    };
    Some(Located { path, found })
}

/// Whether the trust list (`*`, or files and folders separated like `PATH`) names `config` or
/// its folder. Both sides are compared canonical, so a link or `..` cannot widen the list.
fn lists(list: &std::ffi::OsStr, config: &Path) -> bool {
    let entries: Vec<PathBuf> = std::env::split_paths(list)
        .filter(|entry| !entry.as_os_str().is_empty())
        .collect();
    if entries.iter().any(|entry| entry.as_os_str() == "*") {
        return true;
    }
    let Ok(file) = config.canonicalize() else {
        return false;
    };
    let folder = file.parent().map(Path::to_path_buf);
    entries
        .iter()
        .filter_map(|entry| entry.canonicalize().ok())
        .any(|entry| entry == file || Some(&entry) == folder.as_ref())
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

/// What kind of value a flag takes, as far as the config file's folder matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    /// A file or folder: relative values are relative to the config file's folder.
    Path,
    /// A program: a bare name is looked up on `PATH`; one with a `/` is a path as above.
    Program,
    /// Anything else.
    Other,
}

fn value_kind(command: &Command, flag: &str) -> ValueKind {
    let hint = command
        .get_arguments()
        .find(|a| a.get_long() == Some(flag))
        .map(|a| a.get_value_hint());
    match hint {
        Some(ValueHint::FilePath | ValueHint::DirPath | ValueHint::AnyPath) => ValueKind::Path,
        Some(ValueHint::CommandName | ValueHint::CommandString) => ValueKind::Program,
        _ => ValueKind::Other,
    }
}

/// A config value as the command line would give it: `~/` expanded, and a relative path made
/// relative to `base` (the config file's folder; empty when that is the working directory, so
/// that paths keep the spelling the file gives them). `-` (standard input or output) stays.
fn resolve_value(text: &str, kind: ValueKind, base: &Path) -> String {
    let expanded = expand_home(text);
    let is_path = match kind {
        ValueKind::Path => expanded != "-",
        ValueKind::Program => expanded.contains('/'),
        ValueKind::Other => false,
    };
    if !is_path || base.as_os_str().is_empty() || Path::new(&expanded).is_absolute() {
        return expanded;
    }
    // `examples/../testdata/x` is shown (and matched by waivers' path globs) as `testdata/x`.
    let joined = lexically_normal(&base.join(&expanded));
    if joined.as_os_str().is_empty() {
        ".".into()
    } else {
        joined.display().to_string()
    }
}

/// `path` without `.` and with each `..` taking off the name before it (a leading `..`, or one
/// after the root, stays: `canonicalize` then decides where it leads).
fn lexically_normal(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir
                if matches!(normal.components().next_back(), Some(std::path::Component::Normal(_))) =>
            {
                normal.pop();
            }
            other => normal.push(other),
        }
    }
    normal
}

/// The command-line words for one key's value.
fn words(
    flag: &str,
    value: &Value,
    file: &str,
    line: usize,
    resolve: &dyn Fn(&str) -> String,
) -> Result<Vec<OsString>, UsageError> {
    let scalar = |v: &Value| -> Result<String, UsageError> {
        match v {
            Value::String(s) => Ok(resolve(s)),
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

/// What a config file adds to the command line.
#[derive(Debug, Clone, Default)]
pub struct Applied {
    /// The words added to `argv`.
    pub words: Vec<OsString>,
    /// The flags they set, in the order applied.
    pub flags: Vec<String>,
}

impl Applied {
    /// The line printed on standard error: the file, how it was found and what it set.
    pub fn summary(&self, config: &Located) -> String {
        let mut flags = self.flags.clone();
        flags.sort();
        format!(
            "aks-certscan: config file `{}` ({}) sets: {}",
            crate::sanitize::terminal(&config.path.display().to_string()),
            config.found.describe(),
            flags.join(", ")
        )
    }
}

/// Flags naming a program to run.
const PROGRAM_FLAGS: &[&str] = &["az", "kubectl", "kubelogin"];
/// Flags that can only weaken the gate (or whose direction cannot be told: thresholds).
const GATE_FLAGS: &[&str] = &["skip", "param", "data"];
/// Files that take findings out of the gate: allowed inside the config file's folder.
const GATE_FILE_FLAGS: &[&str] = &["exceptions", "baseline"];
/// Flags naming files or folders written.
const WRITE_FLAGS: &[&str] = &["output", "facts-out", "sarif-per-cluster"];

/// Why an untrusted config file may not set `flag` to `value`, if it may not. `folder` is the
/// config file's folder, canonical.
fn untrusted_refusal(flag: &str, value: &Value, resolve: &dyn Fn(&str) -> String, folder: &Path) -> Option<String> {
    if PROGRAM_FLAGS.contains(&flag) {
        return Some("names a program to run".into());
    }
    if GATE_FLAGS.contains(&flag) {
        return Some("changes which findings fail the gate".into());
    }
    if flag == "fail-on" && value.as_str().is_some_and(|v| v.eq_ignore_ascii_case("never")) {
        return Some("turns the gate off".into());
    }
    let outside = |v: &Value| {
        v.as_str()
            .is_some_and(|text| text != "-" && !inside(&resolve(text), folder))
    };
    let any_outside = match value {
        Value::Array(items) => items.iter().any(outside),
        other => outside(other),
    };
    if any_outside && GATE_FILE_FLAGS.contains(&flag) {
        return Some("takes findings out of the gate with a file outside the config file's folder".into());
    }
    if any_outside && WRITE_FLAGS.contains(&flag) {
        return Some("writes outside the config file's folder".into());
    }
    None
}

/// Whether `path` (relative to the working directory) stays inside `folder`: lexically (no `..`
/// above it) and, for the deepest part that exists, after links are followed.
fn inside(path: &str, folder: &Path) -> bool {
    let Ok(cwd) = std::env::current_dir() else {
        return false;
    };
    let normal = lexically_normal(&cwd.join(path));
    // The deepest ancestor that exists decides where links lead.
    let mut existing = normal.as_path();
    let resolved = loop {
        if let Ok(real) = existing.canonicalize() {
            break real.join(normal.strip_prefix(existing).unwrap_or(Path::new("")));
        }
        match existing.parent() {
            Some(parent) => existing = parent,
            None => return false,
        }
    };
    resolved.starts_with(folder)
}

/// The words a config file adds to `argv` for the command `matches` parsed: every key that is a
/// flag of that command and was not given on the command line. An untrusted file's keys are
/// checked first (see the module's "Trust"): one it may not set is an error.
pub fn extra_args(command: &Command, matches: &ArgMatches, config: &Located) -> Result<Applied, UsageError> {
    let path = &config.path;
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
                    let hint = crate::choice::did_you_mean(k, section_flags.iter().map(String::as_str))
                        .map(|m| format!(" (did you mean `{m}`?)"))
                        .unwrap_or_default();
                    problems.push(format!(
                        "{shown}:{l}: `{k}` is not a flag of `aks-certscan {key}`{hint}"
                    ));
                } else if key == name {
                    entries.push((k.clone(), v.clone(), l));
                }
            }
        } else if !all.contains(key) {
            let hint = crate::choice::did_you_mean(key, all.iter().map(String::as_str).chain(SECTIONS.iter().copied()))
                .map(|m| format!(" (did you mean `{m}`?)"))
                .unwrap_or_default();
            problems.push(format!(
                "{shown}:{line}: unknown key `{key}`{hint}: expected a flag name (like `certs` or `fail-on`) or a command section ({})",
                SECTIONS.join(", ")
            ));
        } else if own.contains(key) {
            top_entries.push((key.clone(), value.clone(), line));
        }
    }
    if !problems.is_empty() {
        return Err(UsageError(problems.join("\n")));
    }
    // Relative paths are relative to the file's folder (kept as written when that is the
    // working directory).
    let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let folder = base
        .canonicalize()
        .or_else(|_| std::env::current_dir())
        .unwrap_or_default();
    // Flags given on the command line win; section values win over top-level ones.
    let mut out = Applied::default();
    let mut refused = Vec::new();
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
        let kind = value_kind(sub_command, &flag);
        let resolve = |text: &str| resolve_value(text, kind, &base);
        if config.found == Found::Implicit {
            if let Some(why) = untrusted_refusal(&flag, &value, &resolve, &folder) {
                refused.push(format!("{shown}:{line}: `{flag}` {why}"));
                continue;
            }
        }
        out.words.extend(words(&flag, &value, &shown, line, &resolve)?);
        out.flags.push(flag);
    }
    if !refused.is_empty() {
        return Err(UsageError(format!(
            "config file `{shown}` was found in the working directory, which may be the code under scan, and is not trusted:\n{}\n  help: if this file is yours, pass it with `--config {shown}`, or trust it with {TRUST_VARIABLE}={} (or `*`); see docs/security.md",
            refused.join("\n"),
            crate::sanitize::terminal(&folder.display().to_string()),
        )));
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
        let same = |t: &str| t.to_string();
        let w = |v: Value| words("certs", &v, "f", 1, &same).expect("words");
        assert_eq!(w(serde_json::json!(["a", "b"])), ["--certs", "a", "--certs", "b"]);
        assert_eq!(
            words("all-clusters", &serde_json::json!(true), "f", 1, &same).expect("w"),
            ["--all-clusters"]
        );
        assert!(words("all-clusters", &serde_json::json!(false), "f", 1, &same)
            .expect("w")
            .is_empty());
        assert_eq!(
            words(
                "param",
                &serde_json::json!({"CERT002.expiry_warning_days": 14}),
                "f",
                1,
                &same
            )
            .expect("w"),
            ["--param", "CERT002.expiry_warning_days=14"]
        );
    }
}
