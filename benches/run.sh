#!/usr/bin/env bash
# Runs the whole bench suite and writes one markdown report (default target/performance.md):
# normalization and validation throughput, dedupe end to end at 10,000 / 100,000 / 1,000,000
# records with match_one latency, the CLI's dedupe from a generated CSV at 100,000 and
# 1,000,000 rows (benches/e2e.sh, needs /usr/bin/time), the BG/NBD fit on 1,000,000
# customers, SqliteStore at 1,000,000 customers (bulk load, get/lookup latency, match_one),
# and the report's KPIs and scorecard on 1,000,000 customers with about 10,000,000
# transactions.
#
#   benches/run.sh [REPORT.md]
#   DEDUPE_SIZES="10000 100000" E2E_SIZES=100000 benches/run.sh   # smaller sizes for a quick look
#
# Copy the tables into docs/PERFORMANCE.md when they are from a quiet machine. Needs about
# 3 GiB of memory at 1,000,000 records (the generated input included) and about 10 minutes on
# 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/performance.md}
mkdir -p "$(dirname "$out")"
cargo bench --no-run -q 2>/dev/null || cargo bench --no-run
{
  echo "# clientele bench report"
  echo
  printf 'Machine: %s cores, %s, %s %s; %s; %s UTC.\n' \
    "$(nproc)" \
    "$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)" \
    "$(uname -s)" "$(uname -m)" "$(rustc --version)" "$(date -u '+%Y-%m-%d %H:%M')"
  echo
  echo "## Normalization and validation throughput"
  echo
  cargo bench -q --bench throughput 2>/dev/null
  echo
  echo "## Dedupe end to end (stage times on standard error)"
  echo
  # shellcheck disable=SC2086
  cargo bench -q --bench dedupe -- ${DEDUPE_SIZES:-10000 100000 1000000}
  echo
  echo "## Dedupe from a file: the CLI end to end (benches/e2e.sh; wall, CPU and peak memory from /usr/bin/time)"
  echo
  benches/e2e.sh
  echo
  echo "## Lifecycle: BG/NBD and Gamma-Gamma fit"
  echo
  cargo bench -q --bench lifecycle
  echo
  echo "## SqliteStore: bulk load, get and lookup latency, match_one"
  echo
  cargo bench -q --bench store
  echo
  echo "## Reports: KPIs and data-quality scorecard"
  echo
  cargo bench -q --bench report
} | tee "$out"
echo "report written to $out" >&2
