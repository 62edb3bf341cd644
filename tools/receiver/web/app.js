// The trace page: plain DOM, SVG and canvas over the receiver's /api/ queries. Everything it
// draws carries data-* attributes with the numbers it was drawn from, so a browser test can
// compare them with the API.
'use strict';

const $ = (sel) => document.querySelector(sel);
const REFRESH_MS = 2000;
const KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const state = { traceId: null, pickedSpan: null, heatmapName: '', refreshes: 0 };

function fmtDur(ns) {
  if (ns === null || ns === undefined) return '–';
  if (ns < 1e3) return ns + ' ns';
  if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' µs';
  if (ns < 1e9) return (ns / 1e6).toFixed(3) + ' ms';
  return (ns / 1e9).toFixed(3) + ' s';
}
function fmtTime(ns) { return new Date(ns / 1e6).toLocaleTimeString(); }
function esc(s) { return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c])); }

function filterParams() {
  const p = new URLSearchParams();
  const add = (k, v) => { if (v) p.set(k, v); };
  add('name', $('#f-name').value.trim());
  add('service', $('#f-service').value.trim());
  add('where', $('#f-where').value.trim());
  add('since', $('#f-since').value);
  return p;
}

// Each panel keeps only the answer to its newest request: under load an older request (a
// refresh started before the user changed a filter or the heatmap's span name) can answer
// last, and must not overwrite what the newer one drew.
const newest = {};
function request(panel) {
  const ticket = (newest[panel] || 0) + 1;
  newest[panel] = ticket;
  return () => newest[panel] === ticket;
}

async function api(kind, params) {
  const url = '/api/' + kind + (params && [...params].length ? '?' + params.toString() : '');
  const res = await fetch(url, { cache: 'no-store' });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error || res.statusText);
  return { url, body };
}

// ---- trace list ----------------------------------------------------------------------------

async function loadTraces() {
  const p = filterParams();
  p.set('sort', $('#f-sort').value);
  p.set('n', '50');
  const current = request('traces');
  const { url, body } = await api('traces', p);
  if (!current()) return;
  const tbody = $('#traces tbody');
  tbody.dataset.query = url;
  tbody.innerHTML = body.rows.map((t) => `
    <tr data-trace-id="${t.trace_id}" data-duration-ns="${t.duration_ns}" class="${t.errors ? 'has-error' : ''}${t.trace_id === state.traceId ? ' selected' : ''}">
      <td>${esc(t.root || '(no root)')}</td><td>${esc(t.service)}</td><td class="num">${t.spans}</td>
      <td class="num">${fmtDur(t.duration_ns)}</td><td>${fmtTime(t.start_ns)}</td></tr>`).join('');
  for (const tr of tbody.rows) tr.addEventListener('click', () => openTrace(tr.dataset.traceId));
}

// ---- waterfall -----------------------------------------------------------------------------

async function openTrace(id) {
  state.traceId = id;
  state.pickedSpan = null;
  for (const tr of document.querySelectorAll('#traces tbody tr')) tr.classList.toggle('selected', tr.dataset.traceId === id);
  const current = request('trace');
  const { body } = await api('trace', new URLSearchParams({ id }));
  if (current()) drawWaterfall(body);
}

function drawWaterfall(trace) {
  const svg = $('#waterfall');
  const rowH = 20, labelW = 260, width = Math.max(500, svg.clientWidth || 800);
  const barW = width - labelW - 90;
  const total = Math.max(1, trace.duration_ns);
  const scale = barW / total;  // px per ns
  svg.setAttribute('height', String(trace.spans.length * rowH + 24));
  svg.dataset.traceId = trace.trace_id;
  svg.dataset.pxPerNs = String(scale);
  svg.dataset.barX = String(labelW);
  $('#trace-title').textContent = `${trace.trace_id} · ${trace.spans.length} spans · ${fmtDur(trace.duration_ns)}`;
  const parts = [];
  // Time axis: 0 and the total.
  parts.push(`<line x1="${labelW}" y1="10" x2="${labelW + barW}" y2="10" stroke="#cbd5e1"/>`);
  parts.push(`<text x="${labelW}" y="4" fill="#6b7280">0</text><text x="${labelW + barW}" y="4" text-anchor="end" fill="#6b7280">${fmtDur(total)}</text>`);
  trace.spans.forEach((s, i) => {
    const y = 18 + i * rowH;
    const x = labelW + s.offset_ns * scale;
    const w = Math.max(1, s.duration_ns * scale);
    const cls = s.status_code === 2 ? 'bar-error' : 'bar-ok';
    parts.push(`<text x="${6 + s.depth * 12}" y="${y + rowH / 2 - 2}">${esc(s.name)} <tspan fill="#6b7280">${KINDS[s.kind] || s.kind}</tspan></text>`);
    parts.push(`<rect class="span-bar ${cls}" data-span-id="${s.span_id}" data-duration-ns="${s.duration_ns}" data-offset-ns="${s.offset_ns}" x="${x}" y="${y}" width="${w}" height="${rowH - 6}" rx="2"><title>${esc(s.name)}: ${fmtDur(s.duration_ns)}</title></rect>`);
    parts.push(`<text x="${Math.min(x + w + 4, labelW + barW + 4)}" y="${y + rowH / 2 - 2}" fill="#374151">${fmtDur(s.duration_ns)}</text>`);
    for (const e of s.events) {
      const ex = labelW + Math.min(total, Math.max(0, e.time_ns - trace.start_ns)) * scale;
      parts.push(`<circle class="event" cx="${ex}" cy="${y + (rowH - 6) / 2}" r="4" data-event="${esc(e.name)}"><title>${esc(e.name)}</title></circle>`);
    }
  });
  svg.innerHTML = parts.join('');
  const byId = new Map(trace.spans.map((s) => [s.span_id, s]));
  for (const rect of svg.querySelectorAll('rect.span-bar')) {
    rect.addEventListener('click', () => {
      for (const r of svg.querySelectorAll('rect.picked')) r.classList.remove('picked');
      rect.classList.add('picked');
      state.pickedSpan = rect.dataset.spanId;
      showDetails(byId.get(rect.dataset.spanId));
    });
  }
}

function showDetails(s) {
  const d = $('#details');
  d.classList.remove('muted');
  d.dataset.spanId = s.span_id;
  const lines = [`${s.name}  [${KINDS[s.kind] || s.kind}]  ${fmtDur(s.duration_ns)}  span ${s.span_id}`,
    s.status_code === 2 ? `ERROR: ${s.status_message}` : `status: ${['unset', 'ok', 'error'][s.status_code] || s.status_code}`,
    'attributes: ' + JSON.stringify(s.attributes, null, 2),
    'events: ' + JSON.stringify(s.events.map((e) => ({ name: e.name, at: fmtDur(e.time_ns - s.start_ns), attributes: e.attributes })), null, 2),
    'resource: ' + JSON.stringify(s.resource, null, 2),
    `scope: ${s.scope} ${s.scope_version}`];
  d.textContent = lines.join('\n');
}

// ---- percentiles and heatmap ----------------------------------------------------------------

async function loadPercentiles() {
  const current = request('percentiles');
  const { url, body } = await api('percentiles', filterParams());
  if (!current()) return;
  const tbody = $('#percentiles tbody');
  tbody.dataset.query = url;
  const cell = (ns, key) => `<td class="num" data-key="${key}" data-ns="${ns}">${fmtDur(ns)}</td>`;
  tbody.innerHTML = body.rows.map((r) => `
    <tr data-name="${esc(r.name)}" data-service="${esc(r.service)}" data-count="${r.count}" data-errors="${r.errors}">
      <td>${esc(r.name)}</td><td>${esc(r.service)}</td><td class="num">${r.count}</td>
      <td class="num">${(100 * r.error_rate).toFixed(1)}</td>
      ${cell(r.p50_ns, 'p50')}${cell(r.p90_ns, 'p90')}${cell(r.p95_ns, 'p95')}${cell(r.p99_ns, 'p99')}${cell(r.max_ns, 'max')}</tr>`).join('');
  const select = $('#hm-name');
  const names = [...new Set(body.rows.map((r) => r.name))];
  if (!state.heatmapName || !names.includes(state.heatmapName)) state.heatmapName = names[0] || '';
  select.innerHTML = names.map((n) => `<option${n === state.heatmapName ? ' selected' : ''}>${esc(n)}</option>`).join('');
}

async function loadHeatmap() {
  const canvas = $('#heatmap');
  if (!state.heatmapName) return;
  const p = filterParams();
  p.set('name', state.heatmapName);
  p.set('buckets', '60');
  const current = request('heatmap');
  const { url, body } = await api('heatmap', p);
  if (!current()) return;
  canvas.dataset.query = url;
  canvas.dataset.name = state.heatmapName;
  drawHeatmap(canvas, body);
  for (const q of ['p50', 'p90', 'p99']) {
    const el = $('#hm-' + q);
    el.dataset.ns = String(body[q + '_ns']);
    el.textContent = fmtDur(body[q + '_ns']);
  }
  $('#hm-count').textContent = `${body.count} spans`;
  $('#hm-count').dataset.count = String(body.count);
}

function drawHeatmap(canvas, h) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, left = 70, bottom = 20, top = 10;
  ctx.clearRect(0, 0, W, H);
  const rows = h.edges_ns.length - 1;  // duration buckets, lowest first
  const cw = (W - left) / h.buckets, ch = (H - bottom - top) / rows;
  let max = 1;
  for (const col of h.counts) for (const c of col) max = Math.max(max, c);
  h.counts.forEach((col, b) => col.forEach((c, k) => {
    if (!c) return;
    const a = 0.15 + 0.85 * Math.log(1 + c) / Math.log(1 + max);
    ctx.fillStyle = `rgba(37, 99, 235, ${a})`;
    ctx.fillRect(left + b * cw, H - bottom - (k + 1) * ch, Math.ceil(cw), Math.ceil(ch));
  }));
  ctx.fillStyle = '#374151';
  ctx.font = '11px system-ui';
  ctx.textAlign = 'right';
  const labelEvery = Math.max(1, Math.ceil(rows / 8));
  for (let k = 0; k <= rows; k += labelEvery) ctx.fillText(fmtDur(h.edges_ns[k]), left - 4, H - bottom - k * ch + 4);
  ctx.textAlign = 'left';
  ctx.fillText(fmtTime(h.t0_ns), left, H - 4);
  ctx.textAlign = 'right';
  ctx.fillText(fmtTime(h.t0_ns + h.step_ns * h.buckets), W - 2, H - 4);
  // Percentile lines on the same log scale as the buckets (half-octave edges).
  const yOf = (ns) => H - bottom - (2 * Math.log2(Math.max(ns, 1) / h.edges_ns[0])) * ch;
  for (const [q, color] of [['p50', '#16a34a'], ['p90', '#f59e0b'], ['p99', '#dc2626']]) {
    const ns = h[q + '_ns'];
    if (ns === null) continue;
    const y = Math.min(H - bottom, Math.max(0, yOf(ns)));
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(left, y);
    ctx.lineTo(W, y);
    ctx.stroke();
  }
}

// ---- group-by and errors -------------------------------------------------------------------

async function loadGroups() {
  const p = filterParams();
  p.delete('where');
  p.set('attr', $('#g-attr').value.trim() || 'name');
  const where = [$('#f-where').value.trim(), $('#g-where').value.trim()].filter(Boolean).join(' and ');
  if (where) p.set('where', where);
  const current = request('groups');
  try {
    const { url, body } = await api('groupby', p);
    if (!current()) return;
    $('#g-error').textContent = '';
    const tbody = $('#groups tbody');
    tbody.dataset.query = url;
    tbody.innerHTML = body.rows.map((r) => `<tr data-value="${esc(JSON.stringify(r.value))}" data-count="${r.count}">
      <td>${esc(r.value === null ? '(none)' : r.value)}</td><td class="num">${r.count}</td><td class="num">${r.errors}</td>
      <td class="num">${fmtDur(r.avg_ns)}</td></tr>`).join('');
  } catch (e) {
    if (current()) $('#g-error').textContent = e.message;
  }
}

async function loadErrors() {
  const p = filterParams();
  p.set('n', '10');
  const current = request('errors');
  const { body } = await api('errors', p);
  if (!current()) return;
  $('#errors tbody').innerHTML = body.rows.map((r) => {
    const ex = r.exceptions[0];
    const text = ex ? `${ex.attributes['exception.type'] || ''}: ${ex.attributes['exception.message'] || ''}` : '';
    return `<tr data-trace-id="${r.trace_id}"><td>${esc(r.name)}</td><td>${esc(r.status_message)}</td><td>${esc(text)}</td><td>${fmtTime(r.start_ns)}</td></tr>`;
  }).join('');
  for (const tr of $('#errors tbody').rows) tr.addEventListener('click', () => openTrace(tr.dataset.traceId));
}

async function loadStats() {
  const current = request('stats');
  const { body } = await api('stats');
  if (!current()) return;
  const s = body.store || {};
  $('#stats').textContent = `${body.db.spans} spans · ${body.db.traces} traces stored` +
    (s.dropped_spans ? ` · ${s.dropped_spans} dropped` : '') + (s.queued_spans ? ` · ${s.queued_spans} queued` : '');
}

// ---- refresh loop --------------------------------------------------------------------------

// A refresh asked for while one runs (a filter submitted mid-refresh) runs right after it,
// so the new filter is applied even with "live" off.
let refreshing = false;
let refreshAgain = false;
async function refresh() {
  if (refreshing) { refreshAgain = true; return; }
  refreshing = true;
  refreshAgain = false;
  try {
    await Promise.all([loadStats(), loadTraces(), loadPercentiles().then(loadHeatmap), loadErrors()]);
    $('#filter-error').textContent = '';
  } catch (e) {
    $('#filter-error').textContent = e.message;
  } finally {
    refreshing = false;
    state.refreshes += 1;
    document.body.dataset.refreshes = String(state.refreshes);
  }
  if (refreshAgain) refresh();
}

$('#filters').addEventListener('submit', (e) => { e.preventDefault(); refresh(); loadGroups(); });
$('#groupby').addEventListener('submit', (e) => { e.preventDefault(); loadGroups(); });
$('#hm-name').addEventListener('change', (e) => { state.heatmapName = e.target.value; loadHeatmap(); });
setInterval(() => { if ($('#live').checked) refresh(); }, REFRESH_MS);
refresh();
loadGroups();
