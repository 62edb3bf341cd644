// The receiver's trace page in a real browser (Debian's headless Chromium, driven by
// puppeteer-core), over TLS, while the demo device ships spans to the receiver:
//   - the trace list fills, and keeps updating while spans arrive;
//   - a waterfall's bars have the stored durations and widths to scale, error spans in red,
//     and a click shows the span's attributes;
//   - the percentile table and the heatmap's P50/P90/P99 equal what the API answers;
//   - the group-by form answers what the API answers.
// Screenshots go to --work (build tree). Every process it starts is stopped by PID.
// Usage: node page_test.js --receiver BIN --sender SENSOR_NODE --chromium BIN --work DIR
'use strict';
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const https = require('https');
const path = require('path');
const puppeteer = require('puppeteer-core');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['receiver', 'sender', 'chromium', 'work']) {
  if (!args[k]) { console.error(`missing --${k}`); process.exit(2); }
}
const work = args.work;
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

const children = [];
let failures = 0;
function check(ok, what) {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures += 1;
}
// Waits on the page end as soon as their condition holds; the bound is only for a page that
// never gets there, and is wide because a loaded 2-core machine can stall a refresh for seconds.
const WAIT_MS = 30000;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function until(what, fn, timeoutMs = WAIT_MS) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function start(cmd, argv, env, name) {
  const out = fs.openSync(path.join(work, `${name}.log`), 'w');
  const child = spawn(cmd, argv, { env: { ...process.env, ...env }, stdio: ['ignore', out, out] });
  child.exitCode_ = null;
  child.on('exit', (code, signal) => { child.exitCode_ = code === null ? signal : code; });
  children.push(child);
  return child;
}

async function main() {
  const pki = path.join(work, 'pki');
  const made = spawnSync(args.receiver, ['--make-ca', pki], { encoding: 'utf8' });
  if (made.status !== 0) throw new Error(`--make-ca failed: ${made.stderr}`);
  const ca = fs.readFileSync(path.join(pki, 'ca.crt'));
  const portFile = path.join(work, 'port');
  const db = path.join(work, 'spans.db');
  const receiver = start(args.receiver, ['--certs', pki, '--port', '0', '--port-file', portFile, '--db', db, '--quiet'],
                         {}, 'receiver');
  const port = await until('the receiver to listen', () => fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').trim());
  const base = `https://127.0.0.1:${port}`;
  const getJson = (p) => new Promise((resolve, reject) => {
    https.get(base + p, { ca, servername: 'localhost' }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => { try { resolve(JSON.parse(body)); } catch (e) { reject(new Error(`${p}: ${body}`)); } });
    }).on('error', reject);
  });

  const browser = await puppeteer.launch({
    executablePath: args.chromium, headless: true, acceptInsecureCerts: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const load = await page.goto(base + '/', { waitUntil: 'load' });
    check(load.status() === 200, `GET / over TLS answers 200 (${load.status()})`);

    // The demo device: a cycle every 40 ms for 6 s, over TLS. Started only once the page is
    // loaded: on a loaded machine the browser alone can take longer than the device runs, and
    // the page must be seen updating while spans arrive.
    const sender = start(args.sender, ['--seconds', '6', '--cycle-ms', '40'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: base, OTEL_EXPORTER_OTLP_CERTIFICATE: path.join(pki, 'ca.crt'),
      OTEL_BSP_SCHEDULE_DELAY: '300', OTEL_LOG_LEVEL: 'warn',
    }, 'sender');

    // ---- the list fills while the device sends ----
    const rows = () => page.$$eval('#traces tbody tr', (t) => t.length);
    const firstRows = await until('the trace list to fill', async () => { const n = await rows(); return n >= 3 && n; });
    const spansShown = () => page.$eval('#stats', (e) => parseInt(e.textContent, 10) || 0);
    const firstSpans = await spansShown();
    const later = await until('the page to show more spans', async () => { const n = await spansShown(); return n > firstSpans && n; });
    check(sender.exitCode_ === null, `the page updated while spans arrived (${firstRows} traces, ${firstSpans} -> ${later} spans)`);

    await until('the sender to finish', () => sender.exitCode_ !== null, 30000);
    check(sender.exitCode_ === 0, `the demo device exited 0 (${sender.exitCode_})`);
    // Everything the receiver acknowledged is committed, then the page refreshes once more.
    await until('the store to commit', async () => {
      const s = await getJson('/api/stats');
      return s.store.queued_spans === 0 && s.store.written_spans > 0 && s.db.spans === s.store.written_spans;
    });
    const stats = await getJson('/api/stats');
    check(stats.store.dropped_spans === 0, `no span dropped by the store (${JSON.stringify(stats.store)})`);
    // A refresh counted now may have read before the commit; the one after it started after.
    const refreshes = await page.$eval('body', (b) => Number(b.dataset.refreshes || 0));
    await page.waitForFunction((n) => Number(document.body.dataset.refreshes || 0) >= n + 2, { timeout: WAIT_MS }, refreshes);
    check(await spansShown() === stats.db.spans, `the page shows all ${stats.db.spans} stored spans`);

    // ---- trace list sorted by duration, as the API answers ----
    // The query and the rows are read in one go, from one drawing of the list (a refresh may
    // redraw it between two reads).
    const { listQuery, pageList } = await page.$eval('#traces tbody', (t) => ({
      listQuery: t.dataset.query, pageList: [...t.rows].map((r) => [r.dataset.traceId, Number(r.dataset.durationNs)]) }));
    const apiList = await getJson(listQuery);
    check(JSON.stringify(pageList) === JSON.stringify(apiList.rows.map((r) => [r.trace_id, r.duration_ns])),
          `trace list equals ${listQuery} (${pageList.length} rows)`);
    check(pageList.every((r, i) => i === 0 || pageList[i - 1][1] >= r[1]), 'trace list is sorted slowest first');

    // ---- waterfall: open the slowest trace, and one with an error ----
    // The list filtered with the page's form: traces with an error span.
    const setWhere = async (w) => {
      await page.$eval('#f-where', (e, v) => { e.value = v; }, w);
      const panels = ['#traces tbody', '#percentiles tbody', '#heatmap'];
      await page.$$eval(panels.join(','), (els) => { for (const e of els) e.dataset.query = ''; });
      await page.click('#filters button');
      // The list, the percentiles and the heatmap each answer the new filter on their own time
      // (a refresh already running still answers the old one): wait for all of them.
      await page.waitForFunction((v, sels) => sels.every((sel) => {
        const q = document.querySelector(sel).dataset.query || '';
        const where = new URLSearchParams(q.split('?')[1] || '').get('where') || '';
        return q && where === v;
      }), { timeout: WAIT_MS }, w, panels);
      return page.$eval('#traces tbody', (t) => t.dataset.query);
    };
    await setWhere('status = error');
    const { errorQuery, errorIds } = await page.$eval('#traces tbody', (t) => ({
      errorQuery: t.dataset.query, errorIds: [...t.rows].map((r) => r.dataset.traceId) }));
    const errorList = await getJson(errorQuery);
    check(errorIds.length > 0 && JSON.stringify(errorIds) === JSON.stringify(errorList.rows.map((r) => r.trace_id)) &&
          errorList.rows.every((r) => r.errors > 0), `filter 'status = error' lists ${errorIds.length} traces with errors`);
    for (const [label, id] of [['slowest', pageList[0][0]], ['error', errorIds.find((t) => t !== pageList[0][0])]]) {
      if (!id) { check(false, 'a second trace with an error span is listed'); continue; }
      await page.$eval('#waterfall', (s) => { s.dataset.traceId = ''; });
      if (label === 'slowest') {
        await page.evaluate((t) => openTrace(t), id);  // listed before the filter was applied
      } else {
        await page.click(`#traces tbody tr[data-trace-id="${id}"]`);
      }
      await page.waitForFunction((t) => document.querySelector('#waterfall').dataset.traceId === t, { timeout: WAIT_MS }, id);
      const stored = await getJson(`/api/trace?id=${id}`);
      const { bars, scale, barX } = await page.$eval('#waterfall', (s) => ({
        scale: Number(s.dataset.pxPerNs), barX: Number(s.dataset.barX),
        bars: [...s.querySelectorAll('rect.span-bar')].map((r) => ({
          id: r.dataset.spanId, dur: Number(r.dataset.durationNs), off: Number(r.dataset.offsetNs),
          x: Number(r.getAttribute('x')), w: Number(r.getAttribute('width')), error: r.classList.contains('bar-error'),
          fill: getComputedStyle(r).fill })) }));
      check(bars.length === stored.spans.length, `${label} trace: ${bars.length} bars for ${stored.spans.length} stored spans`);
      let widthsOk = true, offsetsOk = true, colourOk = true;
      const colours = [];
      stored.spans.forEach((s, i) => {
        const b = bars[i];
        if (!b || b.id !== s.span_id || b.dur !== s.duration_ns) widthsOk = false;
        if (b && Math.abs(b.w - Math.max(1, s.duration_ns * scale)) > 0.01) widthsOk = false;
        if (b && Math.abs(b.x - (barX + s.offset_ns * scale)) > 0.01) offsetsOk = false;
        if (b && b.error !== (s.status_code === 2)) colourOk = false;
        if (b && b.error && b.fill !== 'rgb(220, 38, 38)') colourOk = false;
        colours.push(`${s.name}:${s.status_code}:${b ? b.fill : 'none'}`);
      });
      check(widthsOk, `${label} trace: bar widths are the stored durations to scale (${scale.toExponential(3)} px/ns)`);
      check(offsetsOk, `${label} trace: bars start at their offsets from the trace start`);
      check(colourOk, `${label} trace: error spans (${bars.filter((b) => b.error).length}) are red, others not` +
            (colourOk ? '' : ` (${colours.join(', ')})`));
      const longest = stored.spans.reduce((a, s) => (s.duration_ns > a.duration_ns ? s : a));
      check(Math.abs(bars[stored.spans.indexOf(longest)].w - longest.duration_ns * scale) < 0.01 &&
            longest.duration_ns === stored.duration_ns, `${label} trace: the root bar spans the whole trace`);
      const withEvents = stored.spans.filter((s) => s.events.length).length;
      const marks = await page.$$eval('#waterfall circle.event', (c) => c.length);
      check(marks === stored.spans.reduce((n, s) => n + s.events.length, 0),
            `${label} trace: ${marks} event marks for ${withEvents} span(s) with events`);
      const pick = stored.spans.find((s) => Object.keys(s.attributes).length) || stored.spans[0];
      await page.click(`#waterfall rect[data-span-id="${pick.span_id}"]`);
      const details = await page.$eval('#details', (d) => d.textContent);
      const key = Object.keys(pick.attributes)[0];
      check(details.includes(pick.name) && (!key || details.includes(key)), `${label} trace: clicking a bar shows its attributes`);
      await page.screenshot({ path: path.join(work, `waterfall-${label}.png`), fullPage: true });
    }

    await setWhere('');
    // ---- percentiles and heatmap equal the API ----
    const { pQuery, pageP } = await page.$eval('#percentiles tbody', (t) => ({
      pQuery: t.dataset.query,
      pageP: [...t.rows].map((tr) => {
        const o = { name: tr.dataset.name, service: tr.dataset.service, count: Number(tr.dataset.count) };
        for (const td of tr.querySelectorAll('td[data-key]')) o[td.dataset.key] = Number(td.dataset.ns);
        return o;
      }) }));
    const apiP = await getJson(pQuery);
    const expectP = apiP.rows.map((r) => ({ name: r.name, service: r.service, count: r.count, p50: r.p50_ns,
                                            p90: r.p90_ns, p95: r.p95_ns, p99: r.p99_ns, max: r.max_ns }));
    check(pageP.length >= 4 && JSON.stringify(pageP) === JSON.stringify(expectP),
          `percentile table equals ${pQuery}: ${pageP.map((r) => `${r.name} p50=${r.p50} p99=${r.p99}`).join(', ')}`);
    for (const name of pageP.map((r) => r.name)) {
      await page.select('#hm-name', name);
      await page.waitForFunction((n) => document.querySelector('#heatmap').dataset.name === n, { timeout: WAIT_MS }, name);
      const { hName, hQuery, pageH, count } = await page.evaluate(() => ({
        hName: document.querySelector('#heatmap').dataset.name, hQuery: document.querySelector('#heatmap').dataset.query,
        pageH: ['p50', 'p90', 'p99'].map((q) => Number(document.querySelector('#hm-' + q).dataset.ns)),
        count: Number(document.querySelector('#hm-count').dataset.count) }));
      const apiH = await getJson(hQuery);
      const row = expectP.find((r) => r.name === name);
      check(hName === name && JSON.stringify(pageH) === JSON.stringify([apiH.p50_ns, apiH.p90_ns, apiH.p99_ns]) && count === apiH.count &&
            apiH.p50_ns === row.p50 && apiH.p99_ns === row.p99,
            `heatmap of ${name}: P50/P90/P99 ${pageH.join('/')} ns and ${count} spans equal the API and the table`);
      const cells = apiH.counts.reduce((n, col) => n + col.reduce((a, c) => a + c, 0), 0);
      check(cells === apiH.count, `heatmap of ${name}: its cells hold all ${apiH.count} spans`);
    }
    await page.select('#hm-name', 'read-sensor').catch(() => {});

    // ---- group-by form ----
    await page.$eval('#g-attr', (e) => { e.value = 'bus'; });
    await page.$eval('#g-where', (e) => { e.value = 'name = read-sensor'; });
    await page.click('#groupby button');
    await page.waitForFunction(() => (document.querySelector('#groups tbody').dataset.query || '').includes('attr=bus'), { timeout: WAIT_MS });
    const { gQuery, pageG } = await page.$eval('#groups tbody', (t) => ({
      gQuery: t.dataset.query, pageG: [...t.rows].map((tr) => [JSON.parse(tr.dataset.value), Number(tr.dataset.count)]) }));
    const apiG = await getJson(gQuery);
    const readSensor = expectP.find((r) => r.name === 'read-sensor');
    check(JSON.stringify(pageG) === JSON.stringify(apiG.rows.map((r) => [r.value, r.count])) &&
          pageG.length === 1 && pageG[0][0] === 'i2c-1' && pageG[0][1] === readSensor.count,
          `group-by bus where name = read-sensor: ${JSON.stringify(pageG)}`);
    const errorsShown = await page.$$eval('#errors tbody tr', (t) => t.length);
    check(errorsShown > 0, `latest errors listed (${errorsShown})`);
    check(pageErrors.length === 0, `no script errors on the page ${pageErrors.join('; ')}`);
    await page.screenshot({ path: path.join(work, 'page.png'), fullPage: true });
    // A small one for the README (docs/receiver-page.jpg is a copy of it).
    await page.setViewport({ width: 1280, height: 900 });
    await page.screenshot({ path: path.join(work, 'page-small.jpg'), type: 'jpeg', quality: 70 });
    console.log(`screenshots: ${work}/page.png, ${work}/waterfall-slowest.png, ${work}/waterfall-error.png`);
  } finally {
    await browser.close();
  }
  receiver.kill('SIGTERM');
  await until('the receiver to stop', () => receiver.exitCode_ !== null, 10000);
  check(receiver.exitCode_ === 0, `receiver stopped cleanly (${receiver.exitCode_})`);
}

main().catch((e) => { console.error(`FAIL ${e.stack || e}`); failures += 1; }).finally(() => {
  for (const c of children) if (c.exitCode_ === null) c.kill('SIGKILL');
  if (failures) {
    for (const name of ['receiver', 'sender']) {
      const f = path.join(work, `${name}.log`);
      if (fs.existsSync(f)) console.log(`---- ${name}.log (tail)\n${fs.readFileSync(f, 'utf8').split('\n').slice(-30).join('\n')}`);
    }
  }
  console.log(failures ? `${failures} check(s) failed` : 'all checks passed');
  process.exit(failures ? 1 : 0);
});
