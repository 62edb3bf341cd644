#!/usr/bin/env node
'use strict';
// tracelet_to_js.js --receiver BIN --sender BIN --work DIR [--compression none|gzip] [--emulator PREFIX]
//
// CTest driver, tracelet -> official OTLP definitions:
//  1. tracelet-receiver --make-ca DIR/ca: a fresh CA and a server certificate for 127.0.0.1
//     (used only to make certificates; the receiving side here is node's, not tracelet's);
//  2. starts node_receiver.js (node https + the official ExportTraceServiceRequest decoder) on
//     a free port of 127.0.0.1 and reads the port from its port file;
//  3. runs tracelet_sender (tracelet Exporter + NetConnector over Mbed TLS, trusting the CA),
//     which records a known set of spans, exports them and writes what it recorded;
//  4. stops node_receiver.js by PID (SIGTERM; it must exit 0);
//     With --compression gzip, tracelet sends gzip bodies with chunked transfer coding, and
//     node_receiver.js requires exactly that and inflates them before decoding;
//  5. requires that every request passed the header and wire checks, and that every recorded
//     span arrived exactly once and matches field by field (times within the measured windows);
//     then proves the comparison would catch a mutated expectation.
// Exit status 0 = interoperable; 1 = a difference or failure (each printed); 2 = usage.

const fs = require('fs');
const path = require('path');
const common = require('./common');

function parse_args(argv) {
  const out = common.parse_flags(argv, ['--receiver', '--sender', '--work', '--compression', '--emulator'],
                                 { emulator: '', compression: 'none' });
  return out && out.receiver && out.sender && out.work && ['none', 'gzip'].includes(out.compression) ? out : null;
}

async function main(argv) {
  const args = parse_args(argv);
  if (!args) {
    console.error('usage: tracelet_to_js.js --receiver BIN --sender BIN --work DIR [--compression none|gzip] [--emulator PREFIX]');
    return 2;
  }
  const work = common.fresh_dir(args.work);
  const ca_dir = path.join(work, 'ca');
  const port_file = path.join(work, 'node_receiver.port');
  const decoded_file = path.join(work, 'decoded.jsonl');
  const recorded_file = path.join(work, 'recorded.json');

  await common.make_ca(args.emulator, args.receiver, ca_dir);

  const server = new common.Child('node_receiver', process.execPath, [
    path.join(__dirname, 'node_receiver.js'), '--cert', path.join(ca_dir, 'server.crt'),
    '--key', path.join(ca_dir, 'server.key'), '--port-file', port_file, '--out', decoded_file,
    '--compression', args.compression]);
  let sender_exit;
  let stopped;
  try {
    const port = await common.wait_for_port(port_file, server);
    const endpoint = `https://127.0.0.1:${port}/v1/traces`;
    console.log(`node_receiver pid ${server.pid} listening on ${endpoint}`);
    sender_exit = await common.run('tracelet_sender', ...common.with_emulator(args.emulator, args.sender, [
      '--endpoint', endpoint, '--ca', path.join(ca_dir, 'ca.crt'), '--out', recorded_file,
      '--compression', args.compression]),
    { timeout_ms: 60000 });
  } finally {
    stopped = await common.stop_and_log(server, 'node_receiver');
  }

  const problems = [];
  if (sender_exit.code !== 0) problems.push(`tracelet_sender exited ${sender_exit.code} (see its output above)`);
  if (stopped.code !== 0 || stopped.killed) {
    problems.push(`node_receiver.js did not exit cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
  }
  if (!fs.existsSync(recorded_file)) {
    problems.push(`tracelet_sender wrote no ${recorded_file}`);
    return common.report(problems);
  }
  const doc = JSON.parse(fs.readFileSync(recorded_file, 'utf8'));
  const requests = fs.existsSync(decoded_file)
    ? fs.readFileSync(decoded_file, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l))
    : [];
  const received = [];
  const connections = new Set();
  for (const req of requests) {
    connections.add(req.connection);
    for (const p of req.problems) problems.push(`request #${req.seq}: ${p}`);
    req.spans.forEach((view, i) => received.push({ where: `request #${req.seq} span ${i}`, view }));
  }
  const c = doc.counters;
  console.log(`tracelet counters: ${c.spans_recorded} recorded, ${c.spans_exported} exported, ` +
              `${c.exports_succeeded}/${c.export_attempts} requests ok, ${c.export_failures} failures, ` +
              `${c.connects} connect(s), ${c.bytes_sent} body bytes sent (${c.bytes_uncompressed} before ` +
              `compression), last HTTP ${c.last_http_status}, ` +
              `flush took ${c.flush_ms} ms`);
  console.log(`node_receiver decoded ${received.length} span(s) in ${requests.length} request(s) on ` +
              `${connections.size} TLS connection(s); headers of request #1: ` +
              (requests.length ? JSON.stringify(requests[0].headers) : '(none)'));
  if (requests.length === 0) problems.push('node_receiver.js received no request');

  const stats = common.compare_and_self_check(doc.spans, received, problems);
  if (problems.length === 0) {
    const framing = args.compression === 'gzip'
      ? 'Content-Encoding gzip with chunked transfer coding (inflated by node\'s zlib)'
      : 'an exact Content-Length';
    console.log(`ok: every request had Content-Type application/x-protobuf, ${framing} and ` +
                `Host 127.0.0.1:<port>, and every byte was understood by the official decoder; ` +
                `${common.summarize(stats)}; each span arrived exactly once`);
  }
  return common.report(problems);
}

common.kill_children_on_exit();
common.run_main('tracelet_to_js', main);
