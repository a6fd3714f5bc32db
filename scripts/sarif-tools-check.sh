#!/usr/bin/env bash
# Opens the SARIF of the example estate with Microsoft's sarif-tools (a real SARIF consumer; PyPI
# sarif-tools, pinned in .ci/requirements.txt) and with the shared GitHub-rules validator when it is
# there. Installs nothing: .ci/run puts the pinned tools on PATH.
#
#     scripts/sarif-tools-check.sh [path/to/aks-certscan]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-"$(scripts/target-dir)/debug/aks-certscan"}
if ! command -v sarif >/dev/null 2>&1; then
  echo "sarif-tools-check: 'sarif' (PyPI sarif-tools) is not on PATH; run .ci/run, or:" >&2
  echo "  python3 -m venv VENV && VENV/bin/pip install -r .ci/requirements.txt" >&2
  exit 1
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" scan --now 2026-11-29T00:00:00Z --fail-on never \
  --cluster testdata/scenarios/rotated/cluster.json --kubeconfig testdata/scenarios/rotated/kubeconfig \
  --kubeconfig testdata/scenarios/rotated/kubeconfig-before-rotation \
  --node-root testdata/scenarios/rotated/node-stopped-during-rotation \
  --cluster testdata/scenarios/fleet/clusters.json --certs testdata/corpus/certs \
  --format sarif --output "$out/aks-certscan.sarif"
sarif summary "$out/aks-certscan.sarif"
if [ -x ../shared/tools/validate-sarif ]; then
  ../shared/tools/validate-sarif --fail-on warning "$out/aks-certscan.sarif"
else
  # Not beside this checkout (a user's clone, the project's own GitHub CI): said, and counted in
  # .ci/run's summary of what skipped. The tests still validate against the vendored schema.
  echo "sarif-tools-check: ../shared/tools/validate-sarif is not beside this checkout: GitHub's upload rules not checked here"
  [ -n "${AKS_CERTSCAN_SKIP_LOG:-}" ] && echo "GitHub upload rules of the example SARIF: ../shared/tools/validate-sarif missing" >> "$AKS_CERTSCAN_SKIP_LOG"
fi
