//! Day-to-day use: the config file, waivers with an end date, completions and the man page.

use std::path::Path;

use crate::util::*;

fn in_dir(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut cmd = bin();
    cmd.current_dir(dir).args(args);
    cmd.output().expect("runs")
}

fn rule_ids(out: &std::process::Output) -> Vec<String> {
    let doc: serde_json::Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}{}", stdout(out), stderr(out)));
    let mut ids: Vec<String> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("id").to_string())
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn the_config_file_gives_defaults_and_flags_win() {
    let dir = tempdir();
    let node = root().join("testdata/scenarios/stalled-rotation/node");
    std::fs::write(
        dir.path().join(".aks-certscan.yaml"),
        format!(
            "# defaults for this repository\ncerts: [{}]\nscan:\n  format: [json]\n  fail-on: never\n  skip: [CERT004]\n  param:\n    CERT002.expiry_warning_days: 30\n",
            node.display()
        ),
    )
    .expect("write");
    // Found in the working directory, it may only weaken the gate when trusted (see below).
    let trusted = |args: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(dir.path())
            .env("AKS_CERTSCAN_TRUSTED_CONFIG", dir.path())
            .args(args);
        cmd.output().expect("runs")
    };
    let out = trusted(&["scan", "--now", NOW]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(rule_ids(&out), ["CERT002"], "CERT004 skipped by the config");
    assert!(
        stderr(&out).contains(
            "config file `.aks-certscan.yaml` (found in the working directory, trusted by AKS_CERTSCAN_TRUSTED_CONFIG) sets: certs, fail-on, format, param, skip"
        ),
        "what the file set is printed: {}",
        stderr(&out)
    );
    // A flag on the command line replaces the config's value.
    let out = trusted(&["scan", "--now", NOW, "--skip", "CERT002"]);
    assert_eq!(rule_ids(&out), ["CERT004"]);
    // --config names another file; it may come before the command.
    let other = dir.path().join("other.yaml");
    std::fs::write(&other, "scan:\n  format: [text]\n").expect("write");
    let out = in_dir(
        dir.path(),
        &[
            "--config",
            other.to_str().expect("utf8"),
            "scan",
            "--now",
            NOW,
            "--certs",
            node.to_str().expect("utf8"),
        ],
    );
    assert!(stdout(&out).contains("aks-certscan: "), "text output: {}", stdout(&out));
}

#[test]
fn unknown_keys_in_the_config_file_are_errors_with_their_line() {
    let dir = tempdir();
    std::fs::write(
        dir.path().join(".aks-certscan.yaml"),
        "certs: [x]\nscan:\n  fail-on: warning\n  formats: [json]\ncertz: [y]\n",
    )
    .expect("write");
    let out = in_dir(dir.path(), &["scan", "--now", NOW]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(".aks-certscan.yaml:4: `formats` is not a flag of `aks-certscan scan` (did you mean `format`?)"),
        "{err}"
    );
    assert!(
        err.contains(".aks-certscan.yaml:5: unknown key `certz` (did you mean `certs`?)"),
        "{err}"
    );
    // `fail_on` (YAML habits) points at `fail-on`; `--skip cert004` at `CERT004`.
    std::fs::write(dir.path().join(".aks-certscan.yaml"), "scan:\n  fail_on: warning\n").expect("write");
    let out = in_dir(dir.path(), &["scan", "--now", NOW, "--certs", "x"]);
    assert!(stderr(&out).contains("(did you mean `fail-on`?)"), "{}", stderr(&out));
    std::fs::remove_file(dir.path().join(".aks-certscan.yaml")).expect("remove");
    let out = in_dir(dir.path(), &["scan", "--now", NOW, "--certs", "x", "--skip", "cert004"]);
    assert!(
        stderr(&out).contains("--skip cert004: unknown rule id (did you mean `CERT004`?)"),
        "{}",
        stderr(&out)
    );
    // A value the flag does not accept names the config file.
    std::fs::write(dir.path().join(".aks-certscan.yaml"), "scan:\n  fail-on: sometimes\n").expect("write");
    let out = in_dir(dir.path(), &["scan", "--now", NOW, "--certs", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("config file `.aks-certscan.yaml`"),
        "{}",
        stderr(&out)
    );
}

/// A config file found in the working directory is the checked-out code's (a pull request can
/// add one): it may not run programs, weaken the gate or write outside its folder unless the user
/// passes it with `--config` or trusts it with AKS_CERTSCAN_TRUSTED_CONFIG.
#[test]
fn a_config_file_found_in_the_working_directory_cannot_switch_the_gate_off() {
    let dir = tempdir();
    let node = root().join("testdata/scenarios/stalled-rotation/node");
    let marker = dir.path().join("evil-ran");
    let evil = dir.path().join("evil.sh");
    std::fs::write(&evil, format!("#!/bin/sh\ntouch '{}'\nexit 0\n", marker.display())).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = dir.path().join(".aks-certscan.yaml");
    let write = |text: &str| std::fs::write(&config, text).expect("write");
    let scan = |envs: &[(&str, &str)], extra: &[&str]| {
        let mut cmd = bin();
        cmd.current_dir(dir.path())
            .args(["scan", "--now", NOW, "--format", "json"]);
        cmd.args(extra);
        for (k, v) in envs {
            cmd.env(k, v);
        }
        cmd.output().expect("runs")
    };

    // A program named by the repository never runs with the pipeline's Azure login.
    write("aks: [rg/x]\naz: ./evil.sh\nkubectl: ./evil.sh\n");
    let out = scan(&[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains(".aks-certscan.yaml:2: `az` names a program to run"),
        "{err}"
    );
    assert!(
        err.contains(".aks-certscan.yaml:3: `kubectl` names a program to run"),
        "{err}"
    );
    assert!(
        err.contains("--config .aks-certscan.yaml"),
        "says how to trust it: {err}"
    );
    assert!(err.contains("AKS_CERTSCAN_TRUSTED_CONFIG="), "{err}");
    assert!(!marker.exists(), "the repository's program ran");

    // The gate cannot be turned off or narrowed; stricter is fine.
    let certs = format!("certs: [{}]\n", node.display());
    for (text, key, why) in [
        ("scan:\n  fail-on: never\n", "fail-on", "turns the gate off"),
        (
            "scan:\n  skip: [CERT002]\n",
            "skip",
            "changes which findings fail the gate",
        ),
        (
            "scan:\n  param: [CERT002.expiry_warning_days=-100000]\n",
            "param",
            "changes which findings fail the gate",
        ),
        (
            "scan:\n  exceptions: /etc/passwd\n",
            "exceptions",
            "outside the config file's folder",
        ),
        (
            "scan:\n  baseline: ../old.sarif\n",
            "baseline",
            "outside the config file's folder",
        ),
        (
            "scan:\n  output: [../../escape.json]\n",
            "output",
            "writes outside the config file's folder",
        ),
        (
            "scan:\n  facts-out: /tmp/facts.json\n",
            "facts-out",
            "writes outside the config file's folder",
        ),
    ] {
        write(&format!("{certs}{text}"));
        let out = scan(&[], &[]);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("`{key}` ")) && stderr(&out).contains(why),
            "{text}: {}",
            stderr(&out)
        );
    }
    write(&format!("{certs}scan:\n  fail-on: warning\n  output: [results.json]\n"));
    let out = scan(&[], &[]);
    assert_eq!(out.status.code(), Some(1), "stricter gate applies: {}", stderr(&out));
    assert!(dir.path().join("results.json").is_file(), "output inside the folder");

    // A link inside the folder does not make an outside path inside.
    #[cfg(unix)]
    {
        let outside = tempdir();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("elsewhere")).expect("link");
        write(&format!("{certs}scan:\n  output: [elsewhere/x.json]\n"));
        let out = scan(&[], &[]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(!outside.path().join("x.json").exists());
    }

    // Trusted: by --config, by the variable naming the folder or the file, or `*`.
    write(&format!("{certs}scan:\n  skip: [CERT002]\n  fail-on: never\n"));
    let folder = dir.path().display().to_string();
    let file = config.display().to_string();
    for (envs, extra) in [
        (vec![], vec!["--config", ".aks-certscan.yaml"]),
        (vec![("AKS_CERTSCAN_TRUSTED_CONFIG", folder.as_str())], vec![]),
        (vec![("AKS_CERTSCAN_TRUSTED_CONFIG", file.as_str())], vec![]),
        (vec![("AKS_CERTSCAN_TRUSTED_CONFIG", "/nonexistent:*")], vec![]),
        (vec![("AKS_CERTSCAN_TRUSTED_CONFIG", "*")], vec![]),
    ] {
        let out = scan(&envs, &extra);
        assert_eq!(out.status.code(), Some(0), "{envs:?} {extra:?}: {}", stderr(&out));
        assert_eq!(rule_ids(&out), ["CERT004"], "{envs:?} {extra:?}");
    }
    // A list naming another folder trusts nothing here.
    let other = tempdir();
    let out = scan(
        &[("AKS_CERTSCAN_TRUSTED_CONFIG", other.path().to_str().expect("utf8"))],
        &[],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

/// Paths in a config file are relative to its folder, so `--config` works from any directory.
#[test]
fn config_paths_are_relative_to_the_config_file() {
    let elsewhere = tempdir();
    let sarif = elsewhere.path().join("example.sarif");
    let mut cmd = bin();
    cmd.current_dir(elsewhere.path()).args([
        "--config",
        root().join("examples/aks-certscan.yaml").to_str().expect("utf8"),
        "scan",
        "--now",
        NOW,
        "--output",
        sarif.to_str().expect("utf8"),
    ]);
    let out = cmd.output().expect("runs");
    let text = stdout(&out);
    // Every source and the waivers file are found; the cluster waiver applies. The `path:`
    // waiver's glob (`testdata/scenarios/...`) matches paths as shown, which are absolute here.
    assert!(
        text.contains("in 3 certificates, 0 kubeconfigs, 1 cluster, 0 nodes, 1 node root; 1 waived by exceptions"),
        "{text}{}",
        stderr(&out)
    );
    assert!(
        text.contains(&format!("({}:5)", root().join("testdata/exceptions.yaml").display())),
        "{text}"
    );
    assert!(!text.contains("SCAN001"), "{text}");
    assert!(sarif.is_file());
}

/// The README shows examples/aks-certscan.yaml as it is.
#[test]
fn the_readme_shows_the_example_config_as_it_is() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let example = std::fs::read_to_string(root().join("examples/aks-certscan.yaml")).expect("example");
    let body = &example[example.find("# Sources (any of").expect("sources line")..];
    assert!(
        readme.contains(&format!("```yaml\n{body}```")),
        "README's copy of the example config differs"
    );
}

/// `stalled-rotation` has CERT002 and CERT005 (warnings) and CERT004 (a note).
fn stalled(extra: &[&str], now: &str) -> std::process::Output {
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--now".into(),
        now.into(),
        "--fail-on".into(),
        "warning".into(),
    ];
    args.extend(scenario_args("stalled-rotation"));
    args.extend(extra.iter().map(|s| s.to_string()));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    run(&argv)
}

fn exceptions_file(dir: &Path, expires: &str) -> String {
    let path = dir.join("exceptions.yaml");
    std::fs::write(
        &path,
        format!(
            "exceptions:\n  - rule: CERT002\n    cluster: rg-search/search\n    reason: Rotation scheduled in the January window (CHG-1234)\n    expires: {expires}\n  - rule: CERT005\n    path: testdata/scenarios/stalled-rotation/**\n    reason: Known stalled rotation, node pool being replaced (CHG-1235)\n    expires: {expires}\n  - rule: CERT007\n    resource: 0000000000000000000000000000000000000000000000000000000000000000\n    reason: Legacy appliance certificate\n    expires: {expires}\n"
        ),
    )
    .expect("write");
    path.display().to_string()
}

#[test]
fn a_waiver_keeps_findings_out_of_the_gate_until_it_expires() {
    let dir = tempdir();
    let file = exceptions_file(dir.path(), "2027-01-31");
    // Without waivers: warnings fail the gate.
    assert_eq!(stalled(&["--format", "json"], NOW).status.code(), Some(1));
    // With them: CERT002 and CERT005 are waived; CERT004 (a note) stays; the CERT007 entry
    // matches nothing and is itself a finding.
    let out = stalled(&["--format", "json", "--exceptions", &file], NOW);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let ids: Vec<&str> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .map(|f| f["rule_id"].as_str().expect("id"))
        .collect();
    assert!(!ids.contains(&"CERT002") && !ids.contains(&"CERT005"), "{ids:?}");
    assert!(ids.contains(&"CERT004"));
    let scan002: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["rule_id"] == "SCAN002")
        .collect();
    assert_eq!(scan002.len(), 1, "the CERT007 entry waives nothing");
    assert!(scan002[0]["message"]
        .as_str()
        .expect("m")
        .contains("matches no finding"));
    assert_eq!(scan002[0]["locations"][0]["line"], 10);
    let waived = doc["waived"].as_array().expect("waived");
    assert_eq!(waived.len(), 2);
    assert!(waived
        .iter()
        .any(|w| w["reason"].as_str().expect("r").contains("CHG-1234")));
    assert_eq!(
        out.status.code(),
        Some(1),
        "the unmatched exception is a warning at --fail-on warning"
    );

    // Drop the stale entry: the gate passes.
    let text = std::fs::read_to_string(&file).expect("read");
    let kept: String = text.lines().take(9).map(|l| format!("{l}\n")).collect();
    std::fs::write(&file, kept).expect("write");
    let out = stalled(&["--format", "sarif", "--exceptions", &file], NOW);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert!(
        results.iter().all(|r| r["ruleId"] == "CERT004"),
        "waived findings are no results"
    );
    assert_eq!(
        sarif["runs"][0]["properties"]["waived"]
            .as_array()
            .expect("waived")
            .len(),
        2
    );
    let text_out = stalled(&["--format", "text", "--exceptions", &file], NOW);
    let text = stdout(&text_out);
    assert!(text.contains("waived by exceptions"), "{text}");
    assert!(
        text.contains("until 2027-01-31, Rotation scheduled in the January window (CHG-1234)"),
        "{text}"
    );
    let junit = stdout(&stalled(&["--format", "junit", "--exceptions", &file], NOW));
    assert!(junit.contains("<skipped message=\"waived until 2027-01-31"), "{junit}");

    // After the date, the findings are back and each expired waiver is a SCAN002 finding.
    let out = stalled(&["--format", "json", "--exceptions", &file], "2027-02-01T00:00:00Z");
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let messages: Vec<&str> = doc["findings"]
        .as_array()
        .expect("f")
        .iter()
        .filter(|f| f["rule_id"] == "SCAN002")
        .map(|f| f["message"].as_str().expect("m"))
        .collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages.iter().all(|m| m.contains("expired on 2027-01-31")));
    assert!(doc.get("waived").is_none(), "nothing is waived any more");
}

#[test]
fn a_bad_exceptions_file_is_a_usage_error_naming_the_line() {
    let dir = tempdir();
    let path = dir.path().join("exceptions.yaml");
    std::fs::write(
        &path,
        "exceptions:\n  - rule: CERT002\n    reason: r\n    expires: 2027-01-31\n",
    )
    .expect("write");
    let out = stalled(&["--exceptions", path.to_str().expect("utf8")], NOW);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("exceptions.yaml:2: name what is waived"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions_and_the_man_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = run(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        assert!(stdout(&out).contains("--fail-on"), "{shell} completes flags");
    }
    let out = run(&["man"]);
    assert!(stdout(&out).starts_with(".ie") && stdout(&out).contains(".TH aks-certscan 1"));
    let bash = std::process::Command::new("bash")
        .arg("-n")
        .arg("-c")
        .arg(stdout(&run(&["completions", "bash"])))
        .output();
    if let Ok(check) = bash {
        assert!(check.status.success(), "bash accepts the script: {}", stderr(&check));
    }
}

/// What every shell must offer for a command line (what `complete` returns for it): a flag, a
/// flag's values, a command, another command's flag.
fn assert_completes(complete: impl Fn(&str) -> Vec<String>) {
    assert_eq!(complete("aks-certscan scan --fo"), ["--format"]);
    let formats = complete("aks-certscan scan --format ");
    for format in ["text", "sarif", "html", "junit"] {
        assert!(formats.contains(&format.to_string()), "{formats:?}");
    }
    assert_eq!(complete("aks-certscan sc"), ["scan"]);
    assert_eq!(complete("aks-certscan compliance --fr"), ["--framework"]);
}

/// zsh completes flags, values and commands: its completion system, run in a pseudo-terminal
/// (tests/integration/shells/zsh-complete.zsh), offers them when Tab is pressed.
#[test]
fn zsh_completion_completes_flags_values_and_commands() {
    if std::process::Command::new("zsh").arg("--version").output().is_err() {
        skip_missing_tool("zsh completion", "zsh", "apt-get install zsh");
        return;
    }
    let dir = tempdir();
    std::fs::write(dir.path().join("_aks-certscan"), run(&["completions", "zsh"]).stdout).expect("write");
    let complete = |line: &str| -> Vec<String> {
        let out = std::process::Command::new("timeout")
            .arg("30")
            .arg("zsh")
            .arg(root().join("tests/integration/shells/zsh-complete.zsh"))
            .arg(dir.path())
            .arg(line)
            .env("HOME", dir.path())
            .output()
            .expect("zsh");
        stdout(&out)
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_completes(complete);
}

/// fish completes flags, values and commands (`complete -C`, fish's own completion query).
#[test]
fn fish_completion_completes_flags_values_and_commands() {
    if std::process::Command::new("fish").arg("--version").output().is_err() {
        skip_missing_tool("fish completion", "fish", "apt-get install fish");
        return;
    }
    let dir = tempdir();
    let script = dir.path().join("aks-certscan.fish");
    std::fs::write(&script, run(&["completions", "fish"]).stdout).expect("write");
    let complete = |line: &str| -> Vec<String> {
        let out = std::process::Command::new("fish")
            .arg("--no-config")
            .arg("-c")
            .arg(format!("source '{}'; complete -C '{line}'", script.display()))
            .env("HOME", dir.path())
            .output()
            .expect("fish");
        assert!(out.status.success(), "{}", stderr(&out));
        // `match<TAB>description`
        stdout(&out)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect()
    };
    assert_completes(complete);
}

/// `man --dir` writes one page per command and subcommand, and each lists every flag its command
/// takes (taken from the CLI definition itself, so a new flag without a page entry fails here).
#[test]
fn man_writes_a_page_per_command_with_every_flag() {
    let dir = tempdir();
    let out = run(&["man", "--dir", &dir.path().display().to_string()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut command = <aks_certscan::cli::Cli as clap::CommandFactory>::command();
    command.build();
    fn walk(command: &clap::Command, name: String, dir: &std::path::Path, pages: &mut usize) {
        let path = dir.join(format!("{name}.1"));
        let page = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("no page {name}.1"));
        assert!(
            page.contains(&format!(".TH {name} 1")),
            "{name}: {}",
            &page[..200.min(page.len())]
        );
        for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
            if let Some(long) = arg.get_long() {
                // roff spells a dash `\-`.
                let flag = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(page.contains(&flag), "{name}.1 does not describe --{long}");
            }
        }
        for sub in command.get_subcommands() {
            assert!(
                page.contains(&format!("{name}-{}(1)", sub.get_name()).replace('-', "\\-")) || sub.get_name() == "help",
                "{name}.1 does not point at {name}-{}(1)",
                sub.get_name()
            );
        }
        *pages += 1;
        for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
            walk(sub, format!("{name}-{}", sub.get_name()), dir, pages);
        }
    }
    let mut pages = 0;
    walk(&command, "aks-certscan".into(), dir.path(), &mut pages);
    assert_eq!(pages, 10, "aks-certscan and nine subcommand pages");
    assert!(stderr(&out).contains("wrote 10 man pages"), "{}", stderr(&out));
    // man(1) renders each page without a roff warning.
    if std::process::Command::new("groff").arg("--version").output().is_ok() {
        let render = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(dir.path().join("aks-certscan-scan.1"))
            .output()
            .expect("groff");
        assert!(
            render.status.success() && render.stderr.is_empty(),
            "{}",
            stderr(&render)
        );
    }
}

/// Bash completes flags, values and commands, checked the way bash itself calls the completion
/// function (`COMP_WORDS`, `COMP_CWORD`, then `COMPREPLY`).
#[test]
fn bash_completion_completes_flags_values_and_commands() {
    if std::process::Command::new("bash").arg("--version").output().is_err() {
        skip_missing_tool("bash completion", "bash", "install bash");
        return;
    }
    let dir = tempdir();
    let script = dir.path().join("aks-certscan.bash");
    std::fs::write(&script, run(&["completions", "bash"]).stdout).expect("write");
    // (words, index of the word being completed) -> what bash offers.
    let complete = |words: &[&str]| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let program = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; COMP_LINE=\"${{COMP_WORDS[*]}}\"; COMP_POINT=${{#COMP_LINE}}; _aks__certscan aks-certscan '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words[cword],
            words[cword.saturating_sub(1)]
        );
        let out = std::process::Command::new("bash")
            .args(["-c", &program])
            .output()
            .expect("bash");
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_eq!(complete(&["aks-certscan", "scan", "--fo"]), ["--format"]);
    assert!(complete(&["aks-certscan", "scan", "--fail"]).contains(&"--fail-on".to_string()));
    assert_eq!(complete(&["aks-certscan", "scan", "--format", "sa"]), ["sarif"]);
    assert_eq!(complete(&["aks-certscan", "sc"]), ["scan"]);
    assert_eq!(complete(&["aks-certscan", "compliance", "--fr"]), ["--framework"]);
}

/// The README's full config example, run as the README says: every key is a real flag, the
/// section's parameters and waivers apply, and a required flag (`--framework`) can come from it.
#[test]
fn the_example_config_file_runs_as_documented() {
    let dir = tempdir();
    let sarif = dir.path().join("example.sarif");
    let sarif_arg = sarif.display().to_string();
    let out = run(&[
        "--config",
        "examples/aks-certscan.yaml",
        "scan",
        "--now",
        NOW,
        "--output",
        &sarif_arg,
    ]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(text.contains("(maximum age 400 days)"), "param from the file: {text}");
    assert!(
        text.contains("2 waived by exceptions"),
        "exceptions from the file: {text}"
    );
    assert!(sarif.is_file(), "SARIF written where the flag said");
    validate_sarif(&sarif);

    let out = run(&["--config", "examples/aks-certscan.yaml", "compliance", "--now", NOW]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("# Compliance report: CIS Azure Kubernetes Service"),
        "framework and format from the file: {}",
        stdout(&out)
    );
    // Without the file, `--framework` is still required.
    let out = run(&["compliance", "--now", NOW, "--certs", "testdata/corpus/certs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--framework"), "{}", stderr(&out));
}

/// The README's waiver walk-through on `testdata/exceptions.yaml`: in force, the findings are
/// waived and the gate passes; the day after `expires`, they are back and SCAN002 names each entry.
#[test]
fn the_example_waivers_work_then_expire() {
    let scan = |now: &str| {
        run(&[
            "scan",
            "--now",
            now,
            "--fail-on",
            "warning",
            "--cluster",
            "testdata/scenarios/stalled-rotation/cluster.json",
            "--node-root",
            "testdata/scenarios/stalled-rotation/node",
            "--exceptions",
            "testdata/exceptions.yaml",
            "--format",
            "json",
        ])
    };
    let in_force = scan("2026-12-15T23:59:59Z");
    assert_eq!(in_force.status.code(), Some(0), "{}", stderr(&in_force));
    assert_eq!(rule_ids(&in_force), vec!["CERT004"]);
    let doc: serde_json::Value = serde_json::from_slice(&in_force.stdout).expect("json");
    let waived: Vec<&str> = doc["waived"]
        .as_array()
        .expect("waived")
        .iter()
        .map(|w| w["finding"]["rule_id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(waived, vec!["CERT002", "CERT005"], "{doc}");

    let expired = scan("2026-12-16T00:00:00Z");
    assert_eq!(expired.status.code(), Some(1), "{}", stderr(&expired));
    assert_eq!(rule_ids(&expired), vec!["CERT002", "CERT004", "CERT005", "SCAN002"]);
}

/// `scan --output results.sarif` without `--format` writes SARIF (it once wrote the text report
/// into the `.sarif` file, and the upload failed in the user's pipeline), and a `--format` that
/// contradicts the file name is a usage error.
#[test]
fn the_output_file_name_chooses_the_format() {
    let dir = tempdir();
    let sarif = dir.path().join("results.sarif");
    let mut args: Vec<String> = vec![
        "scan".into(),
        "--now".into(),
        NOW.into(),
        "--output".into(),
        sarif.display().to_string(),
    ];
    args.extend(scenario_args("stalled-rotation"));
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&argv);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&sarif).expect("written")).expect("SARIF is JSON");
    assert_eq!(doc["version"], "2.1.0");
    validate_sarif(&sarif);

    let mut wrong = argv.clone();
    wrong.extend(["--format", "text"]);
    let out = run(&wrong);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("names a sarif file but its --format is text"),
        "{}",
        stderr(&out)
    );

    let report = dir.path().join("report.md");
    let out = run(&[
        "compliance",
        "--now",
        NOW,
        "--framework",
        "cis-aks",
        "--certs",
        "testdata/corpus/certs",
        "--output",
        report.to_str().expect("utf8"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(std::fs::read_to_string(&report)
        .expect("written")
        .starts_with("# Compliance report"));
}

/// On a terminal the text report wraps to its width (`COLUMNS`); piped, lines stay whole.
#[test]
fn text_wraps_on_a_terminal_and_not_when_piped() {
    if std::process::Command::new("script").arg("--version").output().is_err() {
        skip_missing_tool("text wrapping on a terminal", "script", "util-linux's script(1)");
        return;
    }
    let bin = assert_cmd::cargo::cargo_bin("aks-certscan");
    let command = format!(
        "{} scan --now {NOW} --certs testdata/scenarios/in-cluster --fail-on never",
        bin.display()
    );
    let tty = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .current_dir(root())
        .env("COLUMNS", "72")
        .env("NO_COLOR", "1")
        .output()
        .expect("script");
    let on_terminal = stdout(&tty).replace('\r', "");
    let piped = stdout(&run(&[
        "scan",
        "--now",
        NOW,
        "--certs",
        "testdata/scenarios/in-cluster",
        "--fail-on",
        "never",
    ]));
    assert!(on_terminal.contains("fix:"), "{on_terminal}");
    let widest = |t: &str| {
        t.lines()
            .filter(|l| l.starts_with(' ') && !l.contains("-->") && l.trim().contains(' '))
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0)
    };
    assert!(widest(&on_terminal) <= 72, "{on_terminal}");
    assert!(widest(&piped) > 150, "piped output is not wrapped");
}
