#!/usr/bin/env node
'use strict';
// logs_interop.js --direction tracelet-to-js|js-to-tracelet --receiver BIN [--sender BIN] --work DIR
//
// CTest driver for the OTLP logs signal against the OFFICIAL OpenTelemetry JavaScript code,
// over real TLS on 127.0.0.1 (each server started here and stopped by PID):
//  tracelet-to-js: interop_logs_sender (tracelet::log + Exporter + Mbed TLS) -> node_receiver.js,
//    which decodes /v1/logs with the official ExportLogsServiceRequest (otlp-transformer
//    0.214.0's root.js) and proves every byte understood; each recorded log record must arrive
//    once with the same severity, body, attributes, trace and span ids, flags, and a time inside
//    the window measured around the call.
//  js-to-tracelet: the official JS logs SDK (@opentelemetry/sdk-logs 0.223.1, a
//    BatchLogRecordProcessor) and OTLP/HTTP protobuf exporter (@opentelemetry/exporter-logs-otlp-proto
//    0.223.1) -> tracelet-receiver; every emitted record must come back from the receiver's
//    --jsonl field by field, and its printout must show the records under their span.
// Then the comparison is shown to catch a mutated expectation.
// Exit status 0 = interoperable; 1 = a difference or failure (each printed); 2 = usage.

const fs = require('fs');
const path = require('path');
const common = require('./common');

function parse_args(argv) {
  const out = common.parse_flags(argv, ['--direction', '--receiver', '--sender', '--work', '--emulator'],
                                 { emulator: '' });
  if (!out || !['tracelet-to-js', 'js-to-tracelet'].includes(out.direction)) return null;
  if (out.direction === 'tracelet-to-js' && !out.sender) return null;
  return out.receiver && out.work ? out : null;
}

// Field-by-field comparison of an expected record with a received one; pushes differences.
function compare(expected, got, where, problems) {
  for (const k of Object.keys(expected)) {
    if (k === 'time_after' || k === 'time_before') continue;
    const a = JSON.stringify(expected[k]);
    const b = JSON.stringify(got[k]);
    if (a !== b) problems.push(`${where}: ${k} expected ${a}, got ${b}`);
  }
  if (expected.time_after !== undefined) {
    const t = BigInt(got.time_unix_nano || '0');
    if (t < BigInt(expected.time_after) || t > BigInt(expected.time_before)) {
      problems.push(`${where}: time_unix_nano ${t} outside [${expected.time_after}, ${expected.time_before}]`);
    }
    if (got.observed_time_unix_nano !== got.time_unix_nano) {
      problems.push(`${where}: observed_time_unix_nano ${got.observed_time_unix_nano} differs from time_unix_nano`);
    }
  }
}

// Each expected record (found by body) exactly once, equal field by field.
function compare_all(expected, received, problems) {
  for (const e of expected) {
    const body = JSON.stringify(e.body);
    const matches = received.filter((r) => JSON.stringify(r.body) === body);
    if (matches.length !== 1) {
      problems.push(`log record ${body}: arrived ${matches.length} time(s), expected once`);
      continue;
    }
    compare(e, matches[0], `log record ${body}`, problems);
  }
  if (received.length !== expected.length) {
    problems.push(`${received.length} log record(s) arrived, ${expected.length} were recorded`);
  }
}

// The comparison must notice a changed attribute value: proves it compares at all.
function self_check(expected, received, problems) {
  const mutated = JSON.parse(JSON.stringify(expected));
  mutated[0].severity_number += 1;
  const found = [];
  compare_all(mutated, received, found);
  if (found.length === 0) problems.push('self-check: a mutated severity_number went unnoticed');
}

async function tracelet_to_js(args, work, ca_dir, problems) {
  const port_file = path.join(work, 'node_receiver.port');
  const decoded_file = path.join(work, 'decoded.jsonl');
  const recorded_file = path.join(work, 'recorded.json');
  const server = new common.Child('node_receiver', process.execPath, [
    path.join(__dirname, 'node_receiver.js'), '--cert', path.join(ca_dir, 'server.crt'),
    '--key', path.join(ca_dir, 'server.key'), '--port-file', port_file, '--out', decoded_file]);
  let sender_exit;
  let stopped;
  try {
    const port = await common.wait_for_port(port_file, server);
    sender_exit = await common.run('logs_sender', ...common.with_emulator(args.emulator, args.sender, [
      '--endpoint', `https://127.0.0.1:${port}/v1/traces`, '--ca', path.join(ca_dir, 'ca.crt'),
      '--out', recorded_file]), { timeout_ms: 60000 });
  } finally {
    stopped = await common.stop_and_log(server, 'node_receiver');
  }
  if (sender_exit.code !== 0) problems.push(`interop_logs_sender exited ${sender_exit.code}`);
  if (stopped.code !== 0) problems.push(`node_receiver.js did not exit cleanly: ${JSON.stringify(stopped)}`);
  const recorded = JSON.parse(fs.readFileSync(recorded_file, 'utf8'));
  const records = fs.readFileSync(decoded_file, 'utf8').split('\n').filter((l) => l).map((l) => JSON.parse(l));
  const received = [];
  let spans = 0;
  for (const r of records) {
    for (const p of r.problems) problems.push(`request #${r.seq} ${r.url}: ${p}`);
    spans += r.spans.length;
    for (const l of r.logs) received.push(l);
  }
  if (!records.some((r) => r.url === '/v1/logs')) problems.push('no request reached /v1/logs');
  if (spans !== 1) problems.push(`${spans} span(s) arrived at /v1/traces, expected 1`);
  for (const l of received) {
    if (l.resource.attributes['service.name'] === undefined ||
        l.resource.attributes['service.name'].string !== 'interop-logs') {
      problems.push(`log record ${JSON.stringify(l.body)}: resource service.name is not "interop-logs"`);
    }
    if (l.scope.name !== 'tracelet') problems.push(`log record ${JSON.stringify(l.body)}: scope ${l.scope.name}`);
  }
  compare_all(recorded.logs, received, problems);
  self_check(recorded.logs, received, problems);
  console.log(`official ExportLogsServiceRequest decoder: ${received.length} log record(s) from tracelet`);
}

async function js_to_tracelet(args, work, ca_dir, problems) {
  const port_file = path.join(work, 'receiver.port');
  const jsonl = path.join(work, 'received.jsonl');
  const receiver = new common.Child('tracelet-receiver', args.receiver, [
    '--cert', path.join(ca_dir, 'server.crt'), '--key', path.join(ca_dir, 'server.key'),
    '--port', '0', '--port-file', port_file, '--jsonl', jsonl]);
  const api = require('@opentelemetry/api');
  const { SeverityNumber } = require('@opentelemetry/api-logs');
  const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-proto');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const trace_id = '4bf92f3577b34da6a3ce929d0e0e4736';
  const span_id = '00f067aa0ba902b7';
  const expected = [
    { body: { string: 'js: sampling' }, severity_number: SeverityNumber.INFO, severity_text: 'INFO',
      attributes: { 'sensor.id': { int: '7' }, ratio: { double: 0.25 }, ok: { bool: true }, unit: { string: 'mV' } },
      trace_id, span_id, flags: 1, time_unix_nano: '1767225600123456789' },
    { body: { string: 'js: battery low' }, severity_number: SeverityNumber.WARN2, severity_text: 'WARN',
      attributes: {}, trace_id, span_id, flags: 1, time_unix_nano: '1767225600223456789' },
    { body: { string: 'js: outside any span' }, severity_number: SeverityNumber.ERROR, severity_text: 'ERROR',
      attributes: {}, trace_id: '', span_id: '', flags: 0, time_unix_nano: '1767225600323456789' },
  ];
  let stopped;
  let export_ok = false;
  try {
    const port = await common.wait_for_port(port_file, receiver);
    const exporter = new OTLPLogExporter({
      url: `https://127.0.0.1:${port}/v1/logs`,
      httpAgentOptions: { ca: fs.readFileSync(path.join(ca_dir, 'ca.crt')) },
      timeoutMillis: 10000,
    });
    const results = [];
    const keeping = {
      export: (records, done) => exporter.export(records, (r) => { results.push(r.code); done(r); }),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush ? exporter.forceFlush() : Promise.resolve(),
    };
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'js-logs' }),
      processors: [new BatchLogRecordProcessor({ exporter: keeping })],
    });
    const logger = provider.getLogger('interop-js', '1.2.3');
    const in_span = api.trace.setSpanContext(api.context.active(),
                                             { traceId: trace_id, spanId: span_id, traceFlags: 1 });
    const time = (ns) => [Number(BigInt(ns) / 1000000000n), Number(BigInt(ns) % 1000000000n)];
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: 'js: sampling',
                  attributes: { 'sensor.id': 7, ratio: 0.25, ok: true, unit: 'mV' },
                  timestamp: time(expected[0].time_unix_nano), context: in_span });
    logger.emit({ severityNumber: SeverityNumber.WARN2, severityText: 'WARN', body: 'js: battery low',
                  timestamp: time(expected[1].time_unix_nano), context: in_span });
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'js: outside any span',
                  timestamp: time(expected[2].time_unix_nano), context: api.ROOT_CONTEXT });
    await provider.forceFlush();
    await provider.shutdown();
    export_ok = results.length > 0 && results.every((c) => c === 0);
    console.log(`official OTLPLogExporter export results: ${JSON.stringify(results)} (0 = success)`);
    const deadline = Date.now() + 5000;  // the receiver prints after answering
    while (Date.now() < deadline && !/log record\(s\)/.test(receiver.output)) await common.sleep(20);
  } finally {
    stopped = await common.stop_and_log(receiver, 'receiver');
  }
  if (!export_ok) problems.push('the official OTLPLogExporter did not report success');
  if (stopped.code !== 0) problems.push(`tracelet-receiver did not exit cleanly: ${JSON.stringify(stopped)}`);
  const lines = fs.existsSync(jsonl) ? fs.readFileSync(jsonl, 'utf8').split('\n').filter((l) => l) : [];
  const received = [];
  for (const line of lines) {
    const s = JSON.parse(line);
    if (s.signal !== 'log') continue;
    const attrs = common.attributes_from_list(s.attributes || [], 'attributes', problems,
                                              (v, w) => common.typed_from_otlp_json(v, w, problems));
    received.push({ body: common.typed_from_otlp_json(s.body, 'body', problems), severity_number: s.severity_number,
                    severity_text: s.severity_text, attributes: attrs, trace_id: s.trace_id, span_id: s.span_id,
                    flags: s.flags, time_unix_nano: s.time_unix_nano, scope: s.scope.name,
                    service: (s.resource.attributes.find((a) => a.key === 'service.name') || {}).value });
  }
  for (const r of received) {
    if (r.scope !== 'interop-js') problems.push(`log record ${JSON.stringify(r.body)}: scope ${r.scope}`);
    if (!r.service || r.service.stringValue !== 'js-logs') problems.push(`log record ${JSON.stringify(r.body)}: service.name`);
  }
  const compared = received.map((r) => { const { scope, service, ...rest } = r; return rest; });
  compare_all(expected, compared, problems);
  self_check(expected, compared, problems);
  // The printout: the in-span records under their span (not received: only its ids are known).
  const out = receiver.output;
  const under_span = new RegExp(`    span ${span_id} \\(span not received yet\\)\\n` +
                                `      log [^\\n]* INFO\\(9\\) "js: sampling"[^\\n]*\\n` +
                                `      log [^\\n]* WARN\\(14\\) "js: battery low"\\n`);
  if (!under_span.test(out)) problems.push(`the receiver did not print both records under span ${span_id}:\n${out}`);
  if (!/\(no span\)\n      log [^\n]* ERROR\(17\) "js: outside any span"/.test(out)) {
    problems.push('the receiver did not print the record outside any span under "(no span)"');
  }
  console.log(`tracelet-receiver decoded ${received.length} log record(s) from the official JS logs SDK`);
}

async function main(argv) {
  const args = parse_args(argv);
  if (!args) {
    console.error('usage: logs_interop.js --direction tracelet-to-js|js-to-tracelet --receiver BIN [--sender BIN] ' +
                  '--work DIR [--emulator PREFIX]');
    return 2;
  }
  const work = common.fresh_dir(args.work);
  const ca_dir = path.join(work, 'ca');
  await common.make_ca(args.emulator, args.receiver, ca_dir);
  const problems = [];
  if (args.direction === 'tracelet-to-js') {
    await tracelet_to_js(args, work, ca_dir, problems);
  } else {
    await js_to_tracelet(args, work, ca_dir, problems);
  }
  if (problems.length === 0) console.log('ok: every log record arrived once and matches field by field');
  return common.report(problems);
}

common.kill_children_on_exit();
common.run_main('logs_interop', main);
