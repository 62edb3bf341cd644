// Reads the Google Benchmark JSON files and the footprint report that tools/bench.sh wrote
// into a directory, pairs each figure with its floor or baseline from the same run, writes
// them all to one JSON file and prints the rows of the README's "Measured" table.
// Usage: node tools/bench-report.js BENCH_DIR OUT_JSON
'use strict';
const fs = require('fs');
const path = require('path');
const os = require('os');

const [dir, outFile] = process.argv.slice(2);
if (!dir || !outFile) {
  console.error('usage: node tools/bench-report.js BENCH_DIR OUT_JSON');
  process.exit(2);
}

function load(name) {
  const file = path.join(dir, `${name}.json`);
  if (!fs.existsSync(file)) return { context: {}, benchmarks: [] };
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// The median aggregate of a benchmark run with repetitions, or the plain run without them.
function find(runs, name) {
  const all = runs.benchmarks.filter((b) => b.run_name === name || b.name === name);
  return all.find((b) => b.aggregate_name === 'median') || all.find((b) => !b.aggregate_name) || null;
}

const toNs = { ns: 1, us: 1e3, ms: 1e6, s: 1e9 };
const ns = (b, field) => (b ? b[field] * (toNs[b.time_unit] || 1) : null);
const ratio = (a, b) => (a != null && b != null && b !== 0 ? a / b : null);
const fixed = (v, digits) => (v == null ? 'n/a' : v.toFixed(digits));
const perSecond = (v) => (v == null ? 'n/a' : `${(v / 1e6).toFixed(2)} M/s`);

const span = load('span_bench');
const encode = load('encode_bench');
const exporter = load('export_bench');

const one = find(span, 'BM_SpanStartTwoAttributesEnd/real_time/threads:1');
const two = find(span, 'BM_SpanStartTwoAttributesEnd/real_time/threads:2');
const floor = find(span, 'BM_FloorTwoClockReadsAndCopy');
const disabled = find(span, 'BM_SpanDisabledAtRuntime');
const fullRing = find(span, 'BM_SpanIntoAFullRingEvictingTheOldest');
const enc512 = find(encode, 'BM_EncodeBatch/512');
const enc64 = find(encode, 'BM_EncodeBatch/64');
const copy512 = find(encode, 'BM_CopyEncodedBatch/512');
const exp512 = find(exporter, 'BM_ExportOverTls/512/min_time:1.000/real_time');
const exp64 = find(exporter, 'BM_ExportOverTls/64/min_time:1.000/real_time');
const tlsOnly512 = find(exporter, 'BM_TlsClientAloneSameBytes/512/min_time:1.000/real_time');
const whole512 = find(exporter, 'BM_WholeDeviceCostInMemory/512');

// producer_latency --scaling: its last line, the medians of the 1-vs-2-thread ratios.
function scaling() {
  const file = path.join(dir, 'scaling.txt');
  if (!fs.existsSync(file)) return null;
  const m = fs.readFileSync(file, 'utf8').match(
    /median ratio two\/one: wall clock ([0-9.]+).*from CPU time ([0-9.]+); floor \(shares nothing\) ([0-9.]+), from CPU time ([0-9.]+)/);
  return m ? { wall: Number(m[1]), cpu: Number(m[2]), floor_wall: Number(m[3]), floor_cpu: Number(m[4]) } : null;
}
const scale = scaling();

const report = {
  machine: {
    host: os.hostname(),
    cpus: (span.context && span.context.num_cpus) || os.cpus().length,
    mhz: span.context && span.context.mhz_per_cpu,
    date: (span.context && span.context.date) || new Date().toISOString(),
    load_avg: span.context && span.context.load_avg,
  },
  recording: {
    one_thread_cpu_ns: ns(one, 'cpu_time'),
    floor_cpu_ns: ns(floor, 'cpu_time'),
    vs_floor: ratio(ns(one, 'cpu_time'), ns(floor, 'cpu_time')),
    two_threads_real_ns_per_span_per_thread: ns(two, 'real_time'),
    two_threads_aggregate_vs_one: ratio(two && two.items_per_second, one && one.items_per_second),
    disabled_cpu_ns: ns(disabled, 'cpu_time'),
    full_ring_evicting_cpu_ns: ns(fullRing, 'cpu_time'),
    full_ring_vs_floor: ratio(ns(fullRing, 'cpu_time'), ns(floor, 'cpu_time')),
    // producer_latency --scaling: 2 threads' aggregate throughput over 1 thread's, from wall
    // clock and from CPU time, next to the same ratios of work that shares nothing.
    scaling_two_vs_one: scale,
  },
  whole_device: {
    cpu_ns_per_span_batch_512: whole512 ? 1e9 / whole512.items_per_second : null,
    bytes_per_span: whole512 && whole512.bytes_per_span,
    recording_share: ratio(ns(one, 'cpu_time'), whole512 ? 1e9 / whole512.items_per_second : null),
  },
  encoding: {
    spans_per_second_batch_512: enc512 && enc512.items_per_second,
    spans_per_second_batch_64: enc64 && enc64.items_per_second,
    bytes_per_span: enc512 && enc512.bytes_per_span,
    floor_memcpy_spans_per_second_batch_512: copy512 && copy512.items_per_second,
    floor_vs_encode: ratio(copy512 && copy512.items_per_second, enc512 && enc512.items_per_second),
  },
  export_tls: {
    spans_per_second_batch_512: exp512 && exp512.items_per_second,
    spans_per_second_batch_64: exp64 && exp64.items_per_second,
    cpu_ms_per_1000_spans_batch_512: exp512 && exp512.cpu_ms_per_1000_spans,
    cpu_ms_per_1000_spans_batch_64: exp64 && exp64.cpu_ms_per_1000_spans,
    receiver_cpu_ms_per_1000_spans_batch_512: exp512 ? exp512.receiver_cpu_ms_per_1000_spans : null,
    baseline_tls_client_alone_spans_per_second_batch_512: tlsOnly512 && tlsOnly512.items_per_second,
    baseline_cpu_ms_per_1000_spans_batch_512: tlsOnly512 && tlsOnly512.cpu_ms_per_1000_spans,
    baseline_receiver_cpu_ms_per_1000_spans_batch_512: tlsOnly512 ? tlsOnly512.receiver_cpu_ms_per_1000_spans : null,
    vs_baseline: ratio(exp512 && exp512.items_per_second, tlsOnly512 && tlsOnly512.items_per_second),
  },
  cortex_m4: null,
};

const footprintFile = path.join(dir, 'footprint.txt');
if (fs.existsSync(footprintFile)) {
  const text = fs.readFileSync(footprintFile, 'utf8');
  const count = (what) => {
    const m = text.match(new RegExp(`^\\s*${what} ([0-9.]+)`, 'm'));
    return m ? Number(m[1]) : null;
  };
  const adds = (label) => {
    const m = text.match(new RegExp(`^\\${label}.*?\\s(\\d+)\\s+(\\d+)\\s*$`, 'm'));
    return m ? Number(m[1]) : null;
  };
  report.cortex_m4 = {
    span_start_instructions: count('span_start'),
    set_attribute_int_instructions: count('set_attribute_int'),
    span_end_instructions: count('span_end'),
    encode_per_span_instructions: count('encode_per_span'),
    flash_core_bytes: adds('+ recording core'),
    flash_encoder_bytes: adds('+ nanopb OTLP encoder'),
  };
}

fs.writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);

const r = report.recording;
const e = report.encoding;
const x = report.export_tls;
const rows = [
  ['record a span: start + 2 attributes + end, 1 thread, into a ring with room (CPU)', `${fixed(r.one_thread_cpu_ns, 0)} ns`,
   `${fixed(r.floor_cpu_ns, 0)} ns: two clock_gettime + 120-byte copy`, `${fixed(r.vs_floor, 2)}× floor`,
   '`span_bench`'],
  ['the same into a full ring, evicting the oldest record per span (CPU)', `${fixed(r.full_ring_evicting_cpu_ns, 0)} ns`,
   'the floor above', `${fixed(r.full_ring_vs_floor, 2)}× floor`, '`span_bench` BM_SpanIntoAFullRingEvictingTheOldest'],
  ['the same, 2 threads on one tracer (real time per span per thread)',
   `${fixed(r.two_threads_real_ns_per_span_per_thread, 0)} ns`, '1 thread, same run',
   `${fixed(r.two_threads_aggregate_vs_one, 2)}× one thread's throughput`, '`span_bench` threads:2'],
  ['the same, 1 vs 2 threads pinned to 2 CPUs (producer_latency --scaling, medians)',
   scale ? `2 threads = ${fixed(scale.cpu, 2)}× one thread (from CPU time; ${fixed(scale.wall, 2)}× wall clock)` : 'n/a',
   scale ? `work that shares nothing: ${fixed(scale.floor_cpu, 2)}× (${fixed(scale.floor_wall, 2)}× wall clock)` : '–',
   scale ? `${fixed(scale.cpu / scale.floor_cpu, 2)} of the floor's scaling` : '–', '`producer_latency --scaling`'],
  ['whole device cost: record + encode + HTTP framing through the Exporter, in-memory collector (batch 512, CPU)',
   `${fixed(report.whole_device.cpu_ns_per_span_batch_512, 0)} ns per span`,
   `recording alone: ${fixed(r.one_thread_cpu_ns, 0)} ns`,
   `recording is ${fixed(100 * (report.whole_device.recording_share || 0), 0)} %`, '`export_bench` BM_WholeDeviceCostInMemory'],
  ['a span while tracing is disabled at run time', `${fixed(r.disabled_cpu_ns, 1)} ns`, '–', '–',
   '`span_bench`'],
  ['OTLP encoding, every byte written (batch 512 / 64)',
   `${perSecond(e.spans_per_second_batch_512)} / ${perSecond(e.spans_per_second_batch_64)} spans`,
   `memcpy of the same request: ${perSecond(e.floor_memcpy_spans_per_second_batch_512)} spans`,
   `floor ${fixed(e.floor_vs_encode, 0)}× faster`, '`encode_bench`'],
  ['OTLP bytes per span (batch 512)', `${fixed(e.bytes_per_span, 1)}`, '–', '–', '`encode_bench`'],
  ['export over TLS to the local receiver, loopback (batch 512)',
   `${fixed(x.spans_per_second_batch_512, 0)} spans/s, exporter CPU ${fixed(x.cpu_ms_per_1000_spans_batch_512, 2)} ms/1000 spans` +
     (x.receiver_cpu_ms_per_1000_spans_batch_512 == null ? ''
       : `, receiver CPU ${fixed(x.receiver_cpu_ms_per_1000_spans_batch_512, 2)} ms/1000 spans`),
   x.baseline_tls_client_alone_spans_per_second_batch_512 == null
     ? 'no baseline in this export_bench'
     : `same bytes, TLS client alone: ${fixed(x.baseline_tls_client_alone_spans_per_second_batch_512, 0)} spans/s` +
       (x.baseline_cpu_ms_per_1000_spans_batch_512 == null ? ''
         : `, client CPU ${fixed(x.baseline_cpu_ms_per_1000_spans_batch_512, 2)} ms/1000 spans`),
   x.vs_baseline == null ? '–' : `${fixed(x.vs_baseline, 2)}× the baseline's spans/s`, '`export_bench`'],
];
if (report.cortex_m4) {
  const c = report.cortex_m4;
  rows.push(['Cortex-M4 instructions: span start / set_attribute(int) / end / encode per span',
             `${c.span_start_instructions} / ${c.set_attribute_int_instructions} / ${c.span_end_instructions} / ${c.encode_per_span_instructions}`,
             '–', '–', '`tools/cross/footprint.sh` (QEMU -icount)']);
  rows.push(['Cortex-M4 flash: recording core + OTLP encoder',
             `${c.flash_core_bytes} + ${c.flash_encoder_bytes} B`, '–', '–', '`tools/cross/footprint.sh`']);
}
const m = report.machine;
console.log(`Measured on ${m.host}: ${m.cpus} CPUs${m.mhz ? ` @ ${m.mhz} MHz` : ''}, ${m.date}` +
            `${m.load_avg ? `, load ${m.load_avg.map((v) => v.toFixed(2)).join(' ')}` : ''}`);
console.log('');
console.log('| what | figure | floor / baseline, same run | ratio | measured by |');
console.log('|---|---|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log('');
console.log(`(all figures: ${outFile})`);
