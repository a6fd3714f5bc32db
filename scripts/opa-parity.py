#!/usr/bin/env python3
"""Checks that the bundled policies are portable Rego: real OPA gives the same findings as
regorus on every testdata scenario, and every Rego unit test passes under OPA too.

    python3 scripts/opa-parity.py [path/to/aks-certscan]

OPA comes from the PyPI package opa-golib-python-bindings (Go OPA behind a C library), pinned in
.ci/requirements-opa.txt; .ci/run installs it into a virtual environment, and this script never installs
anything. The binary defaults to the debug build in cargo's target directory (CARGO_TARGET_DIR
respected). Exit status 0 when OPA and regorus agree, 1 when they differ or OPA is missing.
"""

import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOW = "2026-11-29T00:00:00Z"


def opa_engine():
    try:
        from opa_bindings import OpaEngine
    except ImportError:
        sys.exit("opa-parity: the Python package opa-golib-python-bindings is missing; run .ci/run, "
                 "or install it into a virtual environment: python3 -m venv VENV && VENV/bin/pip "
                 "install --no-deps --ignore-requires-python -r .ci/requirements-opa.txt")
    return OpaEngine()


def default_binary():
    """The debug binary in cargo's own target directory (which CARGO_TARGET_DIR may move)."""
    target = subprocess.run([str(ROOT / "scripts" / "target-dir")], check=True,
                            capture_output=True, text=True).stdout.strip()
    return str(pathlib.Path(target) / "debug" / "aks-certscan")


def rego_files(with_tests):
    files = sorted((ROOT / "policies").rglob("*.rego"))
    return [f for f in files if with_tests or not f.name.endswith("_test.rego")]


def scenario_args(name):
    d = ROOT / "testdata" / "scenarios" / name
    args = []
    for p in sorted(d.iterdir()):
        rel = str(p.relative_to(ROOT))
        if p.is_dir() and p.name.startswith("node"):
            args += ["--node-root", rel]
        elif p.name.startswith("kubeconfig"):
            args += ["--kubeconfig", rel]
        elif p.name.startswith("cluster"):
            args += ["--cluster", rel]
        elif p.name == "nodes.json":
            args += ["--nodes", rel]
        elif p.name == "objects.json":
            args += ["--k8s-objects", rel]
    return args


def cases():
    for d in sorted((ROOT / "testdata" / "scenarios").iterdir()):
        yield d.name, scenario_args(d.name)
    corpus = ROOT / "testdata" / "corpus"
    yield "corpus", ["--certs", "testdata/corpus/certs", "--kubeconfig", "testdata/corpus/kubeconfig/k8s-client-js-kubeconfig.yaml"] + \
        [a for f in sorted((corpus / "managedcluster").iterdir()) for a in ("--cluster", str(f.relative_to(ROOT)))] + \
        [a for f in sorted((corpus / "nodes").iterdir()) for a in ("--nodes", str(f.relative_to(ROOT)))]
    yield "bad", ["--certs", "testdata/bad/certs", "--cluster", "testdata/bad/wrong-shape.json", "--kubeconfig", "testdata/bad/broken-kubeconfig.yaml"]


def run(binary, args):
    out = subprocess.run([binary] + args, cwd=ROOT, capture_output=True, text=True)
    return out


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else default_binary()
    failures = 0

    # 1. Rego unit tests under OPA.
    engine = opa_engine()
    for f in rego_files(with_tests=True):
        engine.add_policy(str(f.relative_to(ROOT)), f.read_text())
    tests = 0
    for f in rego_files(with_tests=True):
        text = f.read_text()
        package = re.search(r"^package\s+(\S+)", text, re.M).group(1)
        for name in dict.fromkeys(re.findall(r"^(test_\w+)", text, re.M)):
            tests += 1
            try:
                ok = engine.eval_document(f"{package}.{name}") is True
            except Exception as e:  # undefined or error
                ok = False
                print(f"OPA: {package}.{name}: {e}")
            if not ok:
                failures += 1
                print(f"FAIL under OPA: {package}.{name}")
    print(f"OPA ran {tests} Rego unit tests, {failures} failed")

    # 2. The same findings as regorus on every scenario.
    engine = opa_engine()
    for f in rego_files(with_tests=False):
        engine.add_policy(str(f.relative_to(ROOT)), f.read_text())
    for name, args in cases():
        facts = run(binary, ["facts", "--now", NOW] + args)
        doc = json.loads(facts.stdout)
        tree = engine.eval_document("aks_certscan.rules", input=doc)
        opa = {}
        for package in tree.values():
            rule_id = package["metadata"]["id"]
            for finding in package.get("findings", []):
                key = (rule_id, finding["resource"]["kind"], finding["resource"]["id"])
                opa.setdefault(key, set()).add((finding["message"], finding.get("level") or package["metadata"]["severity"]))
        # What each rule examined and could not examine (compliance), counted the same way.
        opa_coverage = {package["metadata"]["id"]: (len(package.get("examined", [])), len(package.get("unknown", [])))
                        for package in tree.values()}
        report = run(binary, ["compliance", "--now", NOW, "--framework", "nist-800-53", "--format", "json",
                              "--fail-on", "never"] + args)
        regorus_coverage = {c["rule_id"]: (c["examined"], c["unknown"]) for c in json.loads(report.stdout)["coverage"]}
        if opa_coverage != regorus_coverage:
            failures += 1
            diff = {k: (opa_coverage.get(k), regorus_coverage.get(k)) for k in set(opa_coverage) | set(regorus_coverage)
                    if opa_coverage.get(k) != regorus_coverage.get(k)}
            print(f"DIFFER {name}: examined/unknown (OPA, regorus) {diff}")
        scan = run(binary, ["scan", "--now", NOW, "--format", "json", "--fail-on", "never"] + args)
        findings = json.loads(scan.stdout)["findings"]
        regorus = {(f["rule_id"], f["resource"]["kind"], f["resource"]["id"]): (f["message"], f["level"]) for f in findings}
        missing = sorted(set(opa) - set(regorus))
        extra = sorted(set(regorus) - set(opa))
        differ = sorted(k for k in set(opa) & set(regorus) if regorus[k] not in opa[k])
        if missing or extra or differ:
            failures += 1
            print(f"DIFFER {name}: only OPA {missing}; only regorus {extra}; message/level differ {differ}")
        else:
            examined = sum(e for e, _ in regorus_coverage.values())
            print(f"same   {name}: {len(regorus)} findings, {examined} resources examined")
    if failures:
        print(f"{failures} difference(s) between OPA and regorus")
        return 1
    print("OPA and regorus agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
