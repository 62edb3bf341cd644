#!/usr/bin/env node
'use strict';
// js_to_tracelet.js --receiver BIN --work DIR [--compression none|gzip] [--emulator PREFIX]
//
// CTest driver, official JS SDK -> tracelet-receiver:
//  1. tracelet-receiver --make-ca DIR/ca: a fresh CA and a server certificate for 127.0.0.1;
//  2. starts tracelet-receiver with that certificate on a free port of 127.0.0.1, --jsonl;
//  3. runs js_emitter.js (official SDK + official OTLP/HTTP protobuf exporter, trusting only the
//     fresh CA, with the exporter's compression option), which records a known set of spans and
//     writes what it created;
//  4. stops the receiver by PID (SIGTERM; it must exit 0);
//  5. compares every received span with what was created, field by field, and requires every
//     span exactly once; then proves the comparison would catch a mutated expectation.
// Exit status 0 = interoperable; 1 = a difference or failure (each printed); 2 = usage.

const fs = require('fs');
const path = require('path');
const common = require('./common');

function parse_args(argv) {
  const out = common.parse_flags(argv, ['--receiver', '--work', '--compression', '--emulator'],
                                 { emulator: '', compression: 'none' });
  if (!out || !['none', 'gzip'].includes(out.compression)) return null;
  return out.receiver && out.work ? out : null;
}

async function main(argv) {
  const args = parse_args(argv);
  if (!args) {
    console.error('usage: js_to_tracelet.js --receiver BIN --work DIR [--compression none|gzip] [--emulator PREFIX]');
    return 2;
  }
  const work = common.fresh_dir(args.work);
  const ca_dir = path.join(work, 'ca');
  const port_file = path.join(work, 'receiver.port');
  const jsonl = path.join(work, 'received.jsonl');
  const created = path.join(work, 'created.json');
  const recv = (extra) => common.with_emulator(args.emulator, args.receiver, extra);

  await common.make_ca(args.emulator, args.receiver, ca_dir);

  const receiver = new common.Child('tracelet-receiver', ...recv([
    '--cert', path.join(ca_dir, 'server.crt'), '--key', path.join(ca_dir, 'server.key'),
    '--port', '0', '--port-file', port_file, '--jsonl', jsonl, '--quiet']));
  let emitter_exit;
  let stopped;
  try {
    const port = await common.wait_for_port(port_file, receiver);
    const endpoint = `https://127.0.0.1:${port}/v1/traces`;
    console.log(`receiver pid ${receiver.pid} listening on ${endpoint}`);
    emitter_exit = await common.run('js_emitter', process.execPath, [
      path.join(__dirname, 'js_emitter.js'), '--endpoint', endpoint,
      '--ca', path.join(ca_dir, 'ca.crt'), '--out', created, '--compression', args.compression],
    { timeout_ms: 60000 });
  } finally {
    stopped = await common.stop_and_log(receiver, 'receiver');
  }

  const problems = [];
  if (emitter_exit.code !== 0) problems.push(`js_emitter.js exited ${emitter_exit.code} (see its output above)`);
  if (/Transfer-Encoding \(chunked\) is not supported/.test(receiver.output)) {
    // The official exporter pipes each body into node's http.request, which then frames it with
    // Transfer-Encoding: chunked and no Content-Length. HTTP/1.1 recipients MUST parse chunked
    // (RFC 9112, section 7.1), so this is a receiver defect, not a client quirk.
    problems.push('tracelet-receiver answered 411 to Transfer-Encoding: chunked, which the official ' +
                  '@opentelemetry/exporter-trace-otlp-proto uses for every request; an HTTP/1.1 server ' +
                  'must accept chunked bodies (RFC 9112 section 7.1)');
  }
  if (args.compression === 'gzip' && /-> 4(?!11)[0-9][0-9]/.test(receiver.output)) {
    problems.push('tracelet-receiver refused a request sent with Content-Encoding: gzip; OTLP requires every ' +
                  'server to support the compression options none and gzip (OTLP specification, ' +
                  '"Protocol Details")');
  }
  if (stopped.code !== 0 || stopped.killed) {
    problems.push(`tracelet-receiver did not exit cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
  }
  if (!fs.existsSync(created)) {
    problems.push(`js_emitter.js wrote no ${created}`);
    return common.report(problems);
  }
  const doc = JSON.parse(fs.readFileSync(created, 'utf8'));
  const lines = fs.existsSync(jsonl) ? fs.readFileSync(jsonl, 'utf8').split('\n').filter((l) => l.length) : [];
  const received = [];
  const requests = new Set();
  lines.forEach((line, i) => {
    let s;
    try {
      s = JSON.parse(line);
    } catch (e) {
      problems.push(`${jsonl} line ${i + 1} is not JSON: ${e.message}`);
      return;
    }
    requests.add(s.request);
    const where = `request #${s.request} line ${i + 1}`;
    received.push({ where, view: common.view_from_receiver_line(s, where, problems) });
  });
  console.log(`official SDK export calls: ${doc.exports.map((e) => `${e.spans} span(s) -> code ${e.code}`).join(', ')}`);
  console.log(`tracelet-receiver decoded ${received.length} span(s) in ${requests.size} request(s)`);

  const stats = common.compare_and_self_check(doc.spans, received, problems);
  if (problems.length === 0) console.log(`ok: ${common.summarize(stats)}; each span arrived exactly once`);
  return common.report(problems);
}

common.kill_children_on_exit();
common.run_main('js_to_tracelet', main);
