#!/usr/bin/env bash
# The whole dedupe job from a file, as a user runs it: for each size, a generated CSV (written
# once, kept in target/e2e/ and reused), then the CLI under /usr/bin/time:
#   stats FILE                                    an end-to-end reading of the file, for the ratio
#   dedupe FILE --pairs P --clusters C --timings  read, prepare, block, compare, train, score,
#                                                 cluster, write
#   evaluate --pairs P --truth T                  F1 against the generator's truth
# and prints one markdown row per size (wall, peak resident memory of the whole process, F1,
# the stage times from `--timings`, the load average before the run).
#
#   benches/e2e.sh                 # 100,000 and 1,000,000 rows
#   E2E_SIZES=100000 benches/e2e.sh
#   E2E_CLI=/path/to/older/cli benches/e2e.sh      # another build on the same files
#
# Needs /usr/bin/time (Debian package `time`); about 1 GiB of memory at 1,000,000 rows.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
# E2E_CLI=path runs another build of the CLI (an older commit's, for a before/after) on the
# same files; one without `--timings` leaves the stage columns empty.
if [ -n "${E2E_CLI:-}" ]; then
  cli=$E2E_CLI
else
  cargo build --release -q --example cli
  cli="$target/release/examples/cli"
fi
dir="$target/e2e"
mkdir -p "$dir"
[ -x /usr/bin/time ] || { echo "e2e: /usr/bin/time is missing (apt-get install time)" >&2; exit 1; }

# Runs a command under /usr/bin/time; prints "WALL PEAK_MIB CPU" (CPU: user + system seconds,
# the figure to compare when other work shares the cores), its stderr kept in $dir/last.err.
timed() {
  # A failing command is reported (time's first line then says so) and its figures still read.
  /usr/bin/time -f '%e %M %U %S' -o "$dir/time.txt" "$@" >/dev/null 2>"$dir/last.err" ||
    echo "e2e: $* failed, see $dir/last.err" >&2
  tail -n 1 "$dir/time.txt" | awk '{printf "%.2f %.0f %.2f\n", $1, $2 / 1024, $3 + $4}'
}

echo "| rows | dedupe wall | dedupe CPU | peak memory | F1 | stats wall (CPU, peak) | dedupe / stats | read | prepare | block | compare | train | score | cluster | write | load before |"
echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for n in ${E2E_SIZES:-100000 1000000}; do
  csv="$dir/customers-$n.csv"
  truth="$dir/truth-$n.csv"
  if [ ! -s "$csv" ] || [ ! -s "$truth" ]; then
    "$cli" generate --customers "$n" --out "$csv" --truth "$truth" >/dev/null 2>&1
  fi
  load=$(cut -d' ' -f1 /proc/loadavg)
  read -r stats_wall stats_peak stats_cpu < <(timed "$cli" stats "$csv")
  timings=(--timings)
  "$cli" dedupe --help | grep -q -- --timings || timings=()
  read -r wall peak cpu < <(timed "$cli" dedupe "$csv" --pairs "$dir/pairs-$n.csv" \
    --clusters "$dir/clusters-$n.csv" "${timings[@]}")
  cp "$dir/last.err" "$dir/dedupe-$n.err"
  # `  time: read     1.23 s  (...)`: the seconds of each stage, "-" for one not seen.
  stage() { awk -v s="$1" '$1 == "time:" && $2 == s {print $3 " s"; found=1} END {if (!found) print "-"}' "$dir/dedupe-$n.err"; }
  f1=$("$cli" evaluate --pairs "$dir/pairs-$n.csv" --truth "$truth" | awk -F'[:,]' '/"f1"/ {gsub(/ /, "", $2); printf "%.4f", $2}')
  ratio=$(awk -v a="$wall" -v b="$stats_wall" 'BEGIN {printf "%.2f", a / b}')
  printf '| %s | %s s | %s s | %s MiB | %s | %s s (%s s, %s MiB) | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' \
    "$n" "$wall" "$cpu" "$peak" "$f1" "$stats_wall" "$stats_cpu" "$stats_peak" "$ratio" \
    "$(stage read)" "$(stage prepare)" "$(stage block)" "$(stage compare)" "$(stage train)" \
    "$(stage score)" "$(stage cluster)" "$(stage write)" "$load"
done
echo
echo "(stage lines and blocking summary of each run in $dir/dedupe-N.err)"
