#!/usr/bin/env bash
# The report page in a real browser: builds the bundled sample's page with the CLI, then opens
# it in headless Chromium (tests/browser/report_page.mjs): no console error, no external
# request, every chart drawn, Chinese labels in a CJK font; the screenshot goes to
# docs/report.png (set REPORT_SHOT to write it elsewhere). CLI=path/to/cli uses a CLI already
# built instead of `cargo run --release --example cli`.
#
# Needs Debian's chromium and fonts-noto-cjk (`apt-get install -y chromium fonts-noto-cjk`),
# Node.js and npm (playwright-core is installed under target/browser-test, no browser download).
# Skips with a message when chromium or node is absent, unless REQUIRE_BROWSER=1.
set -euo pipefail
cd "$(dirname "$0")/../.."
chromium=${CHROMIUM:-/usr/bin/chromium}
if [[ ! -x $chromium ]] || ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "browser test skipped: needs $chromium, node and npm (apt-get install -y chromium fonts-noto-cjk)"
  [[ ${REQUIRE_BROWSER:-0} == 1 ]] && exit 1
  exit 0
fi
work=target/browser-test
mkdir -p "$work"
if [[ ! -d $work/node_modules/playwright-core ]]; then
  npm install --silent --no-audit --no-fund --prefix "$work" playwright-core@1 >/dev/null
fi
if [[ -n ${CLI:-} ]]; then cli=("$CLI"); else cli=(cargo run --release -q --example cli --); fi
"${cli[@]}" report examples/data/customers.csv \
  --transactions examples/data/transactions.csv --as-of 2026-06-30 --periods 24 \
  --out "$work/report.html" --json "$work/report.json"
PLAYWRIGHT_CORE="$PWD/$work/node_modules/" CHROMIUM="$chromium" \
  node tests/browser/report_page.mjs "$work/report.html" "${REPORT_SHOT:-docs/report.png}"
