#!/usr/bin/env python3
"""Checks our SARIF with Microsoft's SARIF Multitool, the reference SARIF validator, with every rule
kind it has (SARIF spec, GitHub upload, GitHub Advanced Security) at every level:

    python3 scripts/sarif-multitool-check.py [path/to/aks-certscan]

It scans the README's example estate as a GitHub Actions job would (so the run carries
versionControlProvenance), once plainly and once with the example waivers, validates each SARIF
file, and fails on any error or warning and on any note not in ACCEPTED below, each of which says
why this tool deliberately does what the note suggests it should not.

The Multitool is the npm package @microsoft/sarif-multitool-linux (a self-contained .NET binary).
It is found through $SARIF_MULTITOOL, else under <target>/ci-tools/ where .ci/run installs it:

    npm install --prefix "$(scripts/target-dir)/ci-tools" @microsoft/sarif-multitool-linux@5.7.0

The binary is run directly: the npm wrapper passes arguments through a shell, which splits the
';'-separated --rule-kind and --level lists. Exit status 0 when clean, 1 otherwise.
"""

import collections
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOW = "2026-11-29T00:00:00Z"
MULTITOOL_PACKAGE = "@microsoft/sarif-multitool-linux@5.7.0"

# The notes we leave, and why. Anything else the Multitool says fails the check.
ACCEPTED = {
    "SARIF2002": "message text instead of message ids and arguments: GitHub code scanning requires "
                 "result.message.text and does not render rule messageStrings, so the text must be "
                 "in each result",
    "SARIF2006": "URIs not reachable: this check runs offline; the $schema URI is OASIS's, the "
                 "helpUri values are this repository's docs/rules.md anchors and the "
                 "versionControlProvenance URI is the scanned repository's",
    "SARIF2010": "no code snippets: a region is a kubeconfig, certificate or cluster-document line, "
                 "and copying source text into SARIF could carry the secrets next to it "
                 "(client-key-data, tokens) into a report that is uploaded; GitHub shows the line "
                 "from the repository itself",
    "SARIF2011": "no context regions: the same reason as SARIF2010, with more lines",
}

# Notes we leave only for the exact case named: the predicate sees each message's text, and one
# message it does not accept fails the check.
ACCEPTED_ONLY_FOR = {
    "SARIF2009": (lambda text: "rule 'K8S001'" in text,
                  "rule id K8S001 (letters, digit, letter, digits): the id is a public contract "
                  "named by the Kubernetes-objects issue, read as K8S (Kubernetes) + 001"),
}

# A GitHub Actions job's variables, fixed so that the run's provenance is deterministic.
GITHUB_ENV = {
    "GITHUB_ACTIONS": "true",
    "GITHUB_SERVER_URL": "https://github.com",
    "GITHUB_REPOSITORY": "contoso/platform",
    "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
    "GITHUB_REF": "refs/heads/main",
}

README_EXAMPLE = [
    "--cluster", "testdata/scenarios/rotated/cluster.json",
    "--kubeconfig", "testdata/scenarios/rotated/kubeconfig",
    "--kubeconfig", "testdata/scenarios/rotated/kubeconfig-before-rotation",
    "--node-root", "testdata/scenarios/rotated/node-stopped-during-rotation",
    "--cluster", "testdata/scenarios/fleet/clusters.json",
]

WAIVER_EXAMPLE = [
    "--cluster", "testdata/scenarios/stalled-rotation/cluster.json",
    "--node-root", "testdata/scenarios/stalled-rotation/node",
    "--exceptions", "testdata/exceptions.yaml",
]


def target_dir():
    return pathlib.Path(subprocess.run([str(ROOT / "scripts" / "target-dir")], check=True,
                                       capture_output=True, text=True).stdout.strip())


def multitool():
    explicit = os.environ.get("SARIF_MULTITOOL")
    path = pathlib.Path(explicit) if explicit else (
        target_dir() / "ci-tools" / "node_modules" / "@microsoft" / "sarif-multitool-linux"
        / "Sarif.Multitool")
    if not path.is_file():
        sys.exit(f"sarif-multitool-check: the SARIF Multitool is not at {path}; run .ci/run, or:\n"
                 f"  npm install --prefix \"$(scripts/target-dir)/ci-tools\" {MULTITOOL_PACKAGE}")
    return path


def scan(binary, args, out):
    env = dict(os.environ, **GITHUB_ENV)
    subprocess.run([binary, "scan", "--now", NOW, "--fail-on", "never", *args,
                    "--format", "sarif", "--output", str(out)], check=True, cwd=ROOT, env=env)


def validate(tool, sarif, log):
    # Invariant globalization: the .NET runtime needs no ICU library then.
    env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
    done = subprocess.run([str(tool), "validate", "--rule-kind", "Sarif;Gh;Ghas",
                           "--level", "Error;Warning;Note", "--output", str(log), str(sarif)],
                          env=env, capture_output=True, text=True)
    if not log.is_file():
        sys.exit(f"sarif-multitool-check: the Multitool wrote no log (exit {done.returncode}):\n"
                 f"{done.stdout}{done.stderr}")
    results = []
    for run in json.loads(log.read_text()).get("runs", []):
        rules = {r.get("id"): r for r in run.get("tool", {}).get("driver", {}).get("rules", [])}
        for result in run.get("results", []):
            rule = result.get("ruleId", "?")
            results.append((result.get("level", "warning"), rule,
                            message_text(result.get("message", {}), rules.get(rule, {}))))
        for notification in run.get("invocations", [{}])[0].get(
                "toolExecutionNotifications", []):
            if notification.get("level") == "error":
                results.append(("error", "execution", notification.get("message", {}).get("text")))
    return results


def message_text(message, rule):
    """A result's message: its text, or its rule's message string with the arguments put in."""
    if "text" in message:
        return message["text"]
    template = rule.get("messageStrings", {}).get(message.get("id"), {}).get("text", "")
    for i, argument in enumerate(message.get("arguments", [])):
        template = template.replace("{%d}" % i, str(argument))
    return template or json.dumps(message)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(target_dir() / "debug" / "aks-certscan")
    tool = multitool()
    version = subprocess.run([str(tool), "--version"], capture_output=True, text=True,
                             env=dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1"))
    banner = (version.stdout + version.stderr).strip().splitlines()
    print(f"sarif-multitool-check: {banner[0] if banner else tool}")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name, args in (("README example", README_EXAMPLE), ("waivers example", WAIVER_EXAMPLE)):
            sarif = pathlib.Path(tmp) / f"{name.split()[0].lower()}.sarif"
            log = sarif.with_suffix(".validation.sarif")
            scan(binary, args, sarif)
            results = validate(tool, sarif, log)
            counts = collections.Counter((level, rule) for level, rule, _ in results)
            errors = sum(n for (level, _), n in counts.items() if level == "error")
            warnings = sum(n for (level, _), n in counts.items() if level == "warning")
            notes = sum(n for (level, _), n in counts.items() if level == "note")
            print(f"{name}: {errors} errors, {warnings} warnings, {notes} notes")
            for (level, rule), n in sorted(counts.items()):
                texts = [text for lvl, r, text in results if (lvl, r) == (level, rule)]
                if level == "note" and rule in ACCEPTED:
                    accepted, reason = True, ACCEPTED[rule]
                elif level == "note" and rule in ACCEPTED_ONLY_FOR:
                    predicate, reason = ACCEPTED_ONLY_FOR[rule]
                    accepted = all(predicate(text) for text in texts)
                else:
                    accepted, reason = False, ""
                print(f"  {n:3} {level:7} {rule}: "
                      + (f"accepted: {reason}" if accepted else "NOT ACCEPTED"))
                if not accepted:
                    failed = True
                    for lvl, r, text in results:
                        if (lvl, r) == (level, rule):
                            print(f"        {text}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
