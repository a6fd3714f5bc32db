#!/usr/bin/env bash
# Opens the SARIF of the example estate with Microsoft's sarif-tools (a real SARIF consumer) and
# with the shared GitHub-rules validator when it is there.
#
#     scripts/sarif-tools-check.sh [path/to/aks-certscan]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/aks-certscan}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$bin" scan --now 2026-11-29T00:00:00Z --fail-on never \
  --cluster testdata/scenarios/rotated/cluster.json --kubeconfig testdata/scenarios/rotated/kubeconfig \
  --kubeconfig testdata/scenarios/rotated/kubeconfig-before-rotation \
  --node-root testdata/scenarios/rotated/node-stopped-during-rotation \
  --cluster testdata/scenarios/fleet/clusters.json --certs testdata/corpus/certs \
  --format sarif --output "$out/aks-certscan.sarif"
command -v sarif >/dev/null 2>&1 || python3 -m pip install --quiet sarif-tools
sarif summary "$out/aks-certscan.sarif"
if [ -x ../shared/tools/validate-sarif ]; then
  ../shared/tools/validate-sarif "$out/aks-certscan.sarif"
fi
