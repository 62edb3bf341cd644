#!/usr/bin/env node
'use strict';
// node_receiver.js --cert FILE --key FILE --port-file FILE --out FILE [--client-ca FILE]
//                  [--compression none|gzip]
//
// The tracelet -> JS half of the interop tests: an OTLP/HTTP trace receiver built on node's
// https module and the OFFICIAL OTLP message code (the protobufjs code generated from
// opentelemetry-proto that @opentelemetry/otlp-transformer 0.216.0 ships; see tests/otlp/).
//
// Listens on 127.0.0.1 (port chosen by the system, written to --port-file once listening).
// For each POST /v1/traces it checks the request headers (Content-Type application/x-protobuf,
// Content-Length equal to the body length, no Transfer-Encoding, Host naming this server),
// decodes the body with the official ExportTraceServiceRequest, proves every byte was understood
// (tests/otlp/wire.js: no unknown field numbers, every scalar re-encodes to the same bytes),
// answers 200 with an empty ExportTraceServiceResponse (application/x-protobuf), and appends one
// JSON line per request to --out: the headers, the problems found, and the spans as normalized
// views (common.js). A request it cannot decode gets 400. SIGTERM: exits 0.
// POST /v1/logs gets the same checks and is decoded with the official
// ExportLogsServiceRequest (otlp-transformer 0.214.0's root.js, installed as
// otlp-transformer-logs: see tests/otlp/official.js); its records list `logs` views instead.
// --client-ca FILE: mutual TLS, node's way (requestCert: true, rejectUnauthorized: true): a
// client must present a certificate signed by that CA; each record then names its subject CN.
// --compression gzip: every request must instead carry Content-Encoding: gzip and
// Transfer-Encoding: chunked (no Content-Length; node undoes the chunking); the body is
// inflated with node's zlib before decoding, and its compressed and inflated sizes recorded.

const fs = require('fs');
const https = require('https');
const zlib = require('zlib');
const official = require('../otlp/official');
const { walk_understood } = require('../otlp/wire');
const { attributes_from_list, parse_flags } = require('./common');

function parse_args(argv) {
  const out = parse_flags(argv, ['--cert', '--key', '--port-file', '--out', '--client-ca', '--compression'],
                          { compression: 'none' });
  return out && out.cert && out.key && out.port_file && out.out && ['none', 'gzip'].includes(out.compression)
    ? out : null;
}

// ---- official decoded message -> normalized view --------------------------------------------

class Normalizer {
  constructor(Long, problems) {
    this.Long = Long;
    this.problems = problems;
  }
  hex(v) { return v ? Buffer.from(v).toString('hex') : ''; }
  u64(v, unsigned = true) {
    if (v === null || v === undefined) return '0';
    if (typeof v === 'number') return String(v);
    return this.Long.fromBits(v.low, v.high, unsigned).toString();
  }
  typed(v, where) {
    if (!v) return {};
    const set = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue', 'kvlistValue']
      .filter((k) => v[k] !== null && v[k] !== undefined);
    if (set.length > 1) this.problems.push(`${where}: more than one value member set: ${set.join(', ')}`);
    if (set.length === 0) return {};
    const k = set[0];
    const x = v[k];
    switch (k) {
      case 'stringValue': return { string: x };
      case 'boolValue': return { bool: x };
      case 'intValue': return { int: this.u64(x, false) };
      case 'doubleValue': return { double: Number.isFinite(x) ? x : String(x) };
      case 'bytesValue': return { bytes: this.hex(x) };
      case 'arrayValue': return { array: (x.values || []).map((e, i) => this.typed(e, `${where}[${i}]`)) };
      default: return { kvlist: this.attrs(x.values, where) };
    }
  }
  attrs(list, where) {
    return attributes_from_list(list || [], where, this.problems, (v, w) => this.typed(v, w));
  }
  views(request, where) {
    const out = [];
    (request.resourceSpans || []).forEach((rs, i) => {
      const rw = `${where}.resource_spans[${i}]`;
      const resource = {
        attributes: this.attrs(rs.resource && rs.resource.attributes, `${rw}.resource.attributes`),
        dropped_attributes_count: (rs.resource && rs.resource.droppedAttributesCount) || 0,
      };
      (rs.scopeSpans || []).forEach((ss, j) => {
        const sw = `${rw}.scope_spans[${j}]`;
        const scope = {
          name: (ss.scope && ss.scope.name) || '',
          version: (ss.scope && ss.scope.version) || '',
          attributes: this.attrs(ss.scope && ss.scope.attributes, `${sw}.scope.attributes`),
        };
        (ss.spans || []).forEach((s, k) => {
          const w = `${sw}.spans[${k}]`;
          out.push({
            trace_id: this.hex(s.traceId),
            span_id: this.hex(s.spanId),
            parent_span_id: this.hex(s.parentSpanId),
            trace_state: s.traceState || '',
            flags: s.flags || 0,
            name: s.name || '',
            kind: s.kind || 0,
            start_time_unix_nano: this.u64(s.startTimeUnixNano),
            end_time_unix_nano: this.u64(s.endTimeUnixNano),
            attributes: this.attrs(s.attributes, `${w}.attributes`),
            dropped_attributes_count: s.droppedAttributesCount || 0,
            events: (s.events || []).map((e, n) => ({
              name: e.name || '',
              time_unix_nano: this.u64(e.timeUnixNano),
              attributes: this.attrs(e.attributes, `${w}.events[${n}].attributes`),
              dropped_attributes_count: e.droppedAttributesCount || 0,
            })),
            dropped_events_count: s.droppedEventsCount || 0,
            links: (s.links || []).map((l, n) => ({
              trace_id: this.hex(l.traceId),
              span_id: this.hex(l.spanId),
              trace_state: l.traceState || '',
              flags: l.flags || 0,
              attributes: this.attrs(l.attributes, `${w}.links[${n}].attributes`),
              dropped_attributes_count: l.droppedAttributesCount || 0,
            })),
            dropped_links_count: s.droppedLinksCount || 0,
            status: { code: (s.status && s.status.code) || 0, message: (s.status && s.status.message) || '' },
            resource,
            scope,
          });
        });
      });
    });
    return out;
  }
  // ExportLogsServiceRequest -> one view per log record, with its resource and scope.
  log_views(request, where) {
    const out = [];
    (request.resourceLogs || []).forEach((rl, i) => {
      const rw = `${where}.resource_logs[${i}]`;
      const resource = { attributes: this.attrs(rl.resource && rl.resource.attributes, `${rw}.resource.attributes`) };
      (rl.scopeLogs || []).forEach((sl, j) => {
        const sw = `${rw}.scope_logs[${j}]`;
        const scope = { name: (sl.scope && sl.scope.name) || '', version: (sl.scope && sl.scope.version) || '' };
        (sl.logRecords || []).forEach((r, k) => {
          const w = `${sw}.log_records[${k}]`;
          out.push({
            time_unix_nano: this.u64(r.timeUnixNano),
            observed_time_unix_nano: this.u64(r.observedTimeUnixNano),
            severity_number: r.severityNumber || 0,
            severity_text: r.severityText || '',
            body: this.typed(r.body, `${w}.body`),
            attributes: this.attrs(r.attributes, `${w}.attributes`),
            dropped_attributes_count: r.droppedAttributesCount || 0,
            flags: r.flags || 0,
            trace_id: this.hex(r.traceId),
            span_id: this.hex(r.spanId),
            resource,
            scope,
          });
        });
      });
    });
    return out;
  }
}

function main(argv) {
  const args = parse_args(argv);
  if (!args) {
    console.error('usage: node_receiver.js --cert FILE --key FILE --port-file FILE --out FILE [--compression none|gzip]');
    return 2;
  }
  const { root, Long, transformer_version } = official.load();
  const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const Resp = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
  const empty_response = Buffer.from(Resp.encode(Resp.create({})).finish());
  const logs_official = official.load_logs();
  const LogsReq = logs_official.root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
  const LogsResp = logs_official.root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
  const empty_logs_response = Buffer.from(LogsResp.encode(LogsResp.create({})).finish());

  let port = 0;
  let seq = 0;
  let connections = 0;
  const server = https.createServer({
    cert: fs.readFileSync(args.cert),
    key: fs.readFileSync(args.key),
    ...(args.client_ca ? { ca: fs.readFileSync(args.client_ca), requestCert: true, rejectUnauthorized: true } : {}),
  });
  server.keepAliveTimeout = 30000;
  server.on('secureConnection', (socket) => {
    connections += 1;
    const id = connections;
    const peer = args.client_ca ? socket.getPeerCertificate() : null;
    console.log(`connection ${id}: ${socket.getProtocol()} ${socket.getCipher().name}` +
                `${socket.isSessionReused() ? ' (session resumed)' : ''}` +
                (peer ? `, client certificate CN=${peer.subject && peer.subject.CN} (authorized: ${socket.authorized})` : ''));
  });
  server.on('tlsClientError', (e) => console.log(`TLS client error: ${e.message}`));
  server.on('request', (req, res) => {
    const peer = args.client_ca ? req.socket.getPeerCertificate() : null;
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      seq += 1;
      const wire_body = Buffer.concat(chunks);
      let body = wire_body;
      const problems = [];
      const h = req.headers;
      if (req.method !== 'POST') problems.push(`method ${req.method}, expected POST`);
      const is_logs = req.url === '/v1/logs';
      if (req.url !== '/v1/traces' && !is_logs) problems.push(`path ${req.url}, expected /v1/traces or /v1/logs`);
      if (h['content-type'] !== 'application/x-protobuf') {
        problems.push(`Content-Type ${JSON.stringify(h['content-type'])}, expected "application/x-protobuf"`);
      }
      if (args.compression === 'gzip') {
        if (h['content-encoding'] !== 'gzip') {
          problems.push(`Content-Encoding ${JSON.stringify(h['content-encoding'])}, expected "gzip"`);
        }
        if (h['transfer-encoding'] !== 'chunked') {
          problems.push(`Transfer-Encoding ${JSON.stringify(h['transfer-encoding'])}, expected "chunked"`);
        }
        if (h['content-length'] !== undefined) problems.push(`unexpected Content-Length ${h['content-length']} with chunked`);
        try {
          body = zlib.gunzipSync(wire_body);
        } catch (e) {
          problems.push(`the body (${wire_body.length} bytes) is not valid gzip: ${e.message}`);
        }
      } else {
        if (h['content-encoding'] !== undefined) problems.push(`unexpected Content-Encoding ${h['content-encoding']}`);
        if (h['transfer-encoding'] !== undefined) problems.push(`unexpected Transfer-Encoding ${h['transfer-encoding']}`);
        if (h['content-length'] === undefined) {
          problems.push('no Content-Length');
        } else if (!/^[0-9]+$/.test(h['content-length']) || Number(h['content-length']) !== body.length) {
          problems.push(`Content-Length ${h['content-length']} but the body has ${body.length} bytes`);
        }
      }
      const want_host = `127.0.0.1:${port}`;
      if (h.host !== want_host) problems.push(`Host ${JSON.stringify(h.host)}, expected "${want_host}"`);
      if (req.httpVersion !== '1.1') problems.push(`HTTP/${req.httpVersion}, expected HTTP/1.1`);

      let spans = [];
      let logs = [];
      let decoded = false;
      const message_name = is_logs ? 'ExportLogsServiceRequest' : 'ExportTraceServiceRequest';
      try {
        const msg = (is_logs ? LogsReq : Req).decode(new Uint8Array(body));
        decoded = true;
        walk_understood(new Uint8Array(body), msg, '', problems);
        const normalizer = new Normalizer(is_logs ? logs_official.Long : Long, problems);
        if (is_logs) {
          logs = normalizer.log_views(msg, `request #${seq}`);
        } else {
          spans = normalizer.views(msg, `request #${seq}`);
        }
      } catch (e) {
        problems.push(`the official ${message_name} decoder rejected the body (${body.length} bytes): ${e.message}`);
      }
      const record = {
        seq, method: req.method, url: req.url, http_version: req.httpVersion,
        headers: { host: h.host, 'content-type': h['content-type'], 'content-length': h['content-length'],
                   'transfer-encoding': h['transfer-encoding'], 'content-encoding': h['content-encoding'],
                   'user-agent': h['user-agent'], connection: h.connection },
        body_bytes: body.length, wire_body_bytes: wire_body.length, connection: connections, problems, spans, logs,
        ...(peer ? { client_cn: (peer.subject && peer.subject.CN) || '', client_authorized: req.socket.authorized } : {}),
      };
      fs.appendFileSync(args.out, JSON.stringify(record) + '\n');
      console.log(`request #${seq}: ${req.method} ${req.url} ${body.length} bytes` +
                  `${wire_body.length !== body.length ? ` (${wire_body.length} on the wire)` : ''}, ${spans.length} span(s), ` +
                  `${logs.length} log record(s), ` +
                  `${problems.length} problem(s), User-Agent ${h['user-agent']}`);
      for (const p of problems) console.log(`  problem: ${p}`);
      if (decoded) {
        const answer = is_logs ? empty_logs_response : empty_response;
        res.writeHead(200, { 'Content-Type': 'application/x-protobuf', 'Content-Length': answer.length });
        res.end(answer);
      } else {
        const text = Buffer.from(`body is not an ${message_name}`);
        res.writeHead(400, { 'Content-Type': 'text/plain', 'Content-Length': text.length });
        res.end(text);
      }
    });
  });
  server.listen(0, '127.0.0.1', () => {
    port = server.address().port;
    // Written whole, then renamed: a reader never sees a partial number.
    fs.writeFileSync(`${args.port_file}.tmp`, `${port}\n`);
    fs.renameSync(`${args.port_file}.tmp`, args.port_file);
    console.log(`listening on https://127.0.0.1:${port}/v1/traces (official OTLP code: ` +
                `@opentelemetry/otlp-transformer ${transformer_version})`);
  });
  process.on('SIGTERM', () => {
    console.log(`stopping after ${seq} request(s) on ${connections} connection(s)`);
    server.close();
    server.closeAllConnections();
    process.exit(0);
  });
  return null;
}

const code = main(process.argv.slice(2));
if (code !== null) process.exitCode = code;
