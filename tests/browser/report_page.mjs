// Opens the report page in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core): no console error, no request other than the page itself, every chart
// present and drawn, Chinese labels laid out in a CJK font; writes a full-page screenshot.
//
//   node tests/browser/report_page.mjs PAGE.html SCREENSHOT.png
//
// Run by tests/browser/run.sh, which builds the page and installs playwright-core.
import { pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(process.env.PLAYWRIGHT_CORE ?? import.meta.url);
const { chromium } = require('playwright-core');

const [page_path, shot_path] = process.argv.slice(2);
if (!page_path || !shot_path) {
  console.error('usage: node report_page.mjs PAGE.html SCREENSHOT.png');
  process.exit(2);
}
const url = pathToFileURL(page_path).href;
const charts = [
  'chart-stage-funnel', 'chart-tiers', 'chart-segments', 'chart-rfm-grid',
  'chart-revenue', 'chart-active', 'chart-cohorts', 'chart-completeness',
];
const tables = ['quality-scorecard', 'validity-codes', 'follow-up-list'];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: [
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) { passed += 1; console.log(`ok   ${what}`); } else { failed += 1; console.log(`FAIL ${what}`); }
};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (r.url() !== url) requests.push(r.url()); });
  await page.goto(url, { waitUntil: 'load' });
  await page.evaluate(() => document.fonts.ready);

  for (const id of charts) {
    const drawn = await page.evaluate((id) => {
      const svg = document.querySelector(`#${id} svg`);
      if (!svg) return false;
      const box = svg.getBoundingClientRect();
      return box.width > 100 && box.height > 100 && svg.querySelectorAll('rect').length > 0;
    }, id);
    check(drawn, `chart #${id} is an SVG with shapes`);
  }
  for (const id of tables) {
    check(await page.locator(`#${id} tr`).count() > 1, `table #${id} has rows`);
  }
  // A Chinese label must be laid out in a font that has the glyphs: text in a font without
  // them falls back to boxes of a fixed width, which measure the same for any characters.
  const cjk = await page.evaluate(() => {
    const texts = [...document.querySelectorAll('#chart-stage-funnel svg text')];
    const label = texts.find((t) => /[\u4e00-\u9fff]/.test(t.textContent));
    if (!label) return { found: false };
    return {
      found: true,
      width: label.getComputedTextLength(),
      family: getComputedStyle(label).fontFamily,
      font: document.fonts.check('13px "Noto Sans CJK SC"') || document.fonts.check('13px "Source Han Sans SC"'),
    };
  });
  check(cjk.found && cjk.width > 0, `a Chinese chart label is laid out (${cjk.family})`);
  check(cjk.found && /CJK|Han|PingFang|YaHei/.test(cjk.family ?? ''), 'chart labels ask for a CJK font first');
  // Nothing on the page could ask for anything: no scripts, no links to fetch, no sources.
  const fetchers = await page.evaluate(() => [
    ...document.querySelectorAll('script, link, img, iframe, object, embed, [src]'),
  ].length + [...document.querySelectorAll('[href]')].filter((e) => !e.getAttribute('href').startsWith('#')).length);
  const csp = await page.evaluate(() => document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.content ?? '');
  check(fetchers === 0, `no script, link or source element${fetchers ? ` (${fetchers} found)` : ''}`);
  check(/default-src 'none'/.test(csp), `Content-Security-Policy default-src 'none' (${csp})`);
  check(errors.length === 0, `no console errors${errors.length ? ': ' + errors.join(' | ') : ''}`);
  check(requests.length === 0, `no request besides the page${requests.length ? ': ' + requests.join(' ') : ''}`);
  await page.screenshot({ path: shot_path, fullPage: true });
  console.log(`screenshot written to ${shot_path}`);
} finally {
  await browser.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
