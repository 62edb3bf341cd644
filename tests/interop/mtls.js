#!/usr/bin/env node
'use strict';
// mtls.js --direction js-to-tracelet|tracelet-to-js --receiver BIN [--sender BIN] --work DIR
//         [--emulator PREFIX]
//
// CTest driver: client certificates (mutual TLS) between tracelet and the OFFICIAL OpenTelemetry
// JavaScript exporter, with a fresh PKI from `tracelet-receiver --make-ca` (a CA, a server and a
// client certificate) plus a second, unrelated one for a client certificate nobody trusts.
//
// js-to-tracelet: tracelet-receiver --client-ca CA on a free 127.0.0.1 port; js_emitter.js (the
//   official SDK + @opentelemetry/exporter-trace-otlp-proto) exports known spans
//     1. with the client certificate in its https agent options (cert, key)  -> accepted
//     2. with no agent options, the exporter reading OTEL_EXPORTER_OTLP_CERTIFICATE,
//        OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE and _CLIENT_KEY itself         -> accepted
//     3. without a client certificate                                         -> refused
//     4. with the other PKI's client certificate                              -> refused
//   Every span of 1 and 2 must arrive exactly once and match field by field; none of 3 and 4;
//   the receiver must log the accepted subject and each refusal's reason.
// tracelet-to-js: node_receiver.js as node's https server with requestCert: true,
//   rejectUnauthorized: true and the CA; tracelet_sender (Exporter + NetConnector, Mbed TLS)
//     1. with the client certificate -> every recorded span arrives, on connections node
//        authorized as CN=tracelet-client
//     2. without one                 -> refused; tracelet says the server asked for one and none
//                                       is configured
//     3. with the other PKI's one    -> refused; tracelet says the server refused it (or, when
//                                       node closes without an alert, may have)
// Each server is stopped by PID (SIGTERM; it must exit 0).
// Exit status 0 = all as expected; 1 = a difference or failure (each printed); 2 = usage.

const fs = require('fs');
const path = require('path');
const common = require('./common');

function parse_args(argv) {
  const out = common.parse_flags(argv, ['--direction', '--receiver', '--sender', '--work', '--emulator'],
                                 { emulator: '' });
  if (!out || !out.receiver || !out.work) return null;
  if (out.direction === 'tracelet-to-js' && !out.sender) return null;
  return ['js-to-tracelet', 'tracelet-to-js'].includes(out.direction) ? out : null;
}

function read_json_lines(file) {
  if (!fs.existsSync(file)) return [];
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length).map((l) => JSON.parse(l));
}

function count(text, needle) { return text.split(needle).length - 1; }

async function js_to_tracelet(args, work, pki, other) {
  const problems = [];
  const port_file = path.join(work, 'receiver.port');
  const jsonl = path.join(work, 'received.jsonl');
  const receiver = new common.Child('tracelet-receiver', ...common.with_emulator(args.emulator, args.receiver, [
    '--certs', pki, '--client-ca', path.join(pki, 'ca.crt'),
    '--port', '0', '--port-file', port_file, '--jsonl', jsonl, '--quiet']));
  const runs = [];
  let stopped;
  try {
    const port = await common.wait_for_port(port_file, receiver);
    const endpoint = `https://127.0.0.1:${port}/v1/traces`;
    console.log(`receiver pid ${receiver.pid} listening on ${endpoint}, client certificates required`);
    const emit = async (label, flags, env, expect_ok) => {
      const created = path.join(work, `created-${runs.length + 1}.json`);
      console.log(`---- ${label}`);
      const exit = await common.run('js_emitter', process.execPath, [
        path.join(__dirname, 'js_emitter.js'), '--endpoint', endpoint, '--out', created, ...flags],
      { timeout_ms: 90000, env: { ...process.env, ...env } });
      runs.push({ label, created, exit, expect_ok });
      if (expect_ok && exit.code !== 0) problems.push(`${label}: js_emitter.js exited ${exit.code} (see its output above)`);
      if (!expect_ok && exit.code === 0) problems.push(`${label}: the export succeeded, but it had to be refused`);
      if (!expect_ok && exit.code !== 0) console.log(`${label}: refused, as it must be (js_emitter exit ${exit.code})`);
    };
    const ca = path.join(pki, 'ca.crt');
    await emit('official exporter, client certificate in httpAgentOptions',
               ['--ca', ca, '--client-cert', path.join(pki, 'client.crt'), '--client-key', path.join(pki, 'client.key')],
               {}, true);
    await emit('official exporter, CA and client certificate from OTEL_EXPORTER_OTLP_* variables',
               ['--tls-from-env', 'yes'],
               { OTEL_EXPORTER_OTLP_CERTIFICATE: ca,
                 OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: path.join(pki, 'client.crt'),
                 OTEL_EXPORTER_OTLP_CLIENT_KEY: path.join(pki, 'client.key') }, true);
    const before_missing = count(receiver.output, 'client certificate required (--client-ca) but none sent');
    await emit('official exporter without a client certificate', ['--ca', ca], {}, false);
    if (count(receiver.output, 'client certificate required (--client-ca) but none sent') <= before_missing) {
      problems.push('tracelet-receiver did not log "client certificate required (--client-ca) but none sent"');
    }
    const before_refused = count(receiver.output, 'client certificate refused');
    await emit('official exporter with a client certificate from another CA',
               ['--ca', ca, '--client-cert', path.join(other, 'client.crt'), '--client-key', path.join(other, 'client.key')],
               {}, false);
    if (count(receiver.output, 'client certificate refused') <= before_refused) {
      problems.push('tracelet-receiver did not log "client certificate refused" for the other CA\'s certificate');
    }
  } finally {
    stopped = await common.stop_and_log(receiver, 'receiver');
  }
  if (stopped.code !== 0 || stopped.killed) {
    problems.push(`tracelet-receiver did not exit cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
  }
  const accepted = count(receiver.output, 'client certificate CN=tracelet-client');
  console.log(`tracelet-receiver accepted ${accepted} connection(s) presenting CN=tracelet-client`);
  if (accepted < 2) problems.push(`expected at least 2 connections with CN=tracelet-client, saw ${accepted}`);

  const expected = [];
  for (const r of runs.filter((x) => x.expect_ok)) {
    if (!fs.existsSync(r.created)) {
      problems.push(`${r.label}: js_emitter.js wrote no ${r.created}`);
      continue;
    }
    expected.push(...JSON.parse(fs.readFileSync(r.created, 'utf8')).spans);
  }
  const received = read_json_lines(jsonl).map((s, i) => {
    const where = `request #${s.request} line ${i + 1}`;
    return { where, view: common.view_from_receiver_line(s, where, problems) };
  });
  console.log(`tracelet-receiver decoded ${received.length} span(s); ${expected.length} were sent by the accepted runs`);
  // Every span of the accepted runs exactly once, nothing from the refused ones (their spans
  // would show up as unexpected).
  const stats = common.compare_and_self_check(expected, received, problems);
  if (problems.length === 0) {
    console.log(`ok: the official exporter's client certificate (agent options and OTEL_* variables) was ` +
                `verified by tracelet-receiver --client-ca; missing and untrusted ones were refused; ` +
                `${common.summarize(stats)}; each span arrived exactly once`);
  }
  return common.report(problems);
}

async function tracelet_to_js(args, work, pki, other) {
  const problems = [];
  const port_file = path.join(work, 'node_receiver.port');
  const decoded_file = path.join(work, 'decoded.jsonl');
  const server = new common.Child('node_receiver', process.execPath, [
    path.join(__dirname, 'node_receiver.js'), '--cert', path.join(pki, 'server.crt'),
    '--key', path.join(pki, 'server.key'), '--client-ca', path.join(pki, 'ca.crt'),
    '--port-file', port_file, '--out', decoded_file]);
  const runs = [];
  let stopped;
  try {
    const port = await common.wait_for_port(port_file, server);
    const endpoint = `https://127.0.0.1:${port}/v1/traces`;
    console.log(`node_receiver pid ${server.pid} listening on ${endpoint} (requestCert, rejectUnauthorized)`);
    const send = async (label, flags, expect_ok, expect_text) => {
      const recorded = path.join(work, `recorded-${runs.length + 1}.json`);
      console.log(`---- ${label}`);
      const exit = await common.run('tracelet_sender', ...common.with_emulator(args.emulator, args.sender, [
        '--endpoint', endpoint, '--ca', path.join(pki, 'ca.crt'), '--out', recorded, ...flags]),
      { timeout_ms: 90000 });
      runs.push({ label, recorded, exit, expect_ok });
      if (expect_ok && exit.code !== 0) problems.push(`${label}: tracelet_sender exited ${exit.code} (see its output above)`);
      if (!expect_ok && exit.code !== 1) problems.push(`${label}: tracelet_sender exited ${exit.code}, expected 1 (refused)`);
      if (expect_text && !expect_text.test(exit.output)) {
        problems.push(`${label}: tracelet's log does not match ${expect_text}`);
      }
      if (/data-loss|data loss/i.test(exit.output)) problems.push(`${label}: tracelet's log speaks of data loss`);
    };
    await send('tracelet with the client certificate',
               ['--client-cert', path.join(pki, 'client.crt'), '--client-key', path.join(pki, 'client.key')], true, null);
    // node (OpenSSL) closes right after its alert, or without one when it rejects the
    // certificate itself, so tracelet may see a reset or an end of stream instead of the
    // alert; either way it must say the server had asked for a client certificate.
    await send('tracelet without a client certificate', ['--flush-ms', '1500'], false,
               /client certificate \(mutual TLS\) and none is configured/);
    await send('tracelet with a client certificate from another CA',
               ['--client-cert', path.join(other, 'client.crt'), '--client-key', path.join(other, 'client.key'),
                '--flush-ms', '1500'], false, /refused our client certificate|may have refused ours/);
  } finally {
    stopped = await common.stop_and_log(server, 'node_receiver');
  }
  if (stopped.code !== 0 || stopped.killed) {
    problems.push(`node_receiver.js did not exit cleanly on SIGTERM: ${JSON.stringify(stopped)}`);
  }
  const refusals = count(server.output, 'TLS client error');
  console.log(`node_receiver logged ${refusals} refused TLS client(s)`);
  if (refusals < 2) problems.push(`node_receiver.js refused ${refusals} TLS client(s), expected at least 2`);

  const requests = read_json_lines(decoded_file);
  const received = [];
  for (const req of requests) {
    for (const p of req.problems) problems.push(`request #${req.seq}: ${p}`);
    if (req.client_cn !== 'tracelet-client' || req.client_authorized !== true) {
      problems.push(`request #${req.seq}: client certificate CN ${JSON.stringify(req.client_cn)}, ` +
                    `authorized ${req.client_authorized}; expected tracelet-client, true`);
    }
    req.spans.forEach((view, i) => received.push({ where: `request #${req.seq} span ${i}`, view }));
  }
  const ok_run = runs[0];
  if (!ok_run || !fs.existsSync(ok_run.recorded)) {
    problems.push('tracelet_sender (with the client certificate) wrote no record of its spans');
    return common.report(problems);
  }
  const expected = JSON.parse(fs.readFileSync(ok_run.recorded, 'utf8')).spans;
  console.log(`node_receiver decoded ${received.length} span(s) in ${requests.length} request(s), ` +
              `all on connections authorized as CN=tracelet-client`);
  const stats = common.compare_and_self_check(expected, received, problems);
  if (problems.length === 0) {
    console.log(`ok: node's https server (requestCert, rejectUnauthorized) accepted tracelet's client certificate ` +
                `and refused a missing and an untrusted one, and tracelet's log said why each time; ` +
                `${common.summarize(stats)}; each span arrived exactly once`);
  }
  return common.report(problems);
}

async function main(argv) {
  const args = parse_args(argv);
  if (!args) {
    console.error('usage: mtls.js --direction js-to-tracelet|tracelet-to-js --receiver BIN [--sender BIN] ' +
                  '--work DIR [--emulator PREFIX]');
    return 2;
  }
  const work = common.fresh_dir(args.work);
  const pki = path.join(work, 'pki');
  const other = path.join(work, 'other');
  await common.make_ca(args.emulator, args.receiver, pki);
  await common.make_ca(args.emulator, args.receiver, other);
  return args.direction === 'js-to-tracelet' ? js_to_tracelet(args, work, pki, other)
                                             : tracelet_to_js(args, work, pki, other);
}

common.kill_children_on_exit();
common.run_main('mtls', main);
