#!/usr/bin/env node
'use strict';
// xray_service.js --port-file FILE
//
// A small HTTP service on 127.0.0.1 that speaks X-Ray's trace header through the OFFICIAL
// OpenTelemetry propagator (@opentelemetry/propagator-aws-xray, pinned in
// tests/aws/package-lock.json). For each POST /call it
//   1. extracts the caller's context from X-Amzn-Trace-Id with AWSXRayPropagator,
//   2. makes a span context for its own server span (same trace, a new span id, the caller's
//      sampled flag) and injects it into the answer's X-Amzn-Trace-Id with the propagator,
//   3. answers JSON {extracted: {trace_id, span_id, sampled, remote} | null,
//      server_span_id, sent_header}.
// For GET /root it injects a new root context (no caller) and answers it the same way.
// Stops on SIGTERM (exit 0).
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');
const api = require('@opentelemetry/api');
const { AWSXRayPropagator } = require('@opentelemetry/propagator-aws-xray');

const port_file = process.argv[2] === '--port-file' ? process.argv[3] : null;
if (!port_file) {
  process.stderr.write('usage: xray_service.js --port-file FILE\n');
  process.exit(2);
}
const propagator = new AWSXRayPropagator();

function answer(res, extracted, server_context) {
  const carrier = {};
  propagator.inject(api.trace.setSpanContext(api.ROOT_CONTEXT, server_context), carrier, api.defaultTextMapSetter);
  const body = JSON.stringify({
    extracted, server_span_id: server_context.spanId, trace_id: server_context.traceId,
    sent_header: carrier['x-amzn-trace-id'] || '',
  });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body),
                       'X-Amzn-Trace-Id': carrier['x-amzn-trace-id'] || '' });
  res.end(body);
}

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const ctx = propagator.extract(api.ROOT_CONTEXT, req.headers, api.defaultTextMapGetter);
    const parent = api.trace.getSpanContext(ctx);
    const extracted = parent && api.isSpanContextValid(parent)
      ? { trace_id: parent.traceId, span_id: parent.spanId,
          sampled: (parent.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED,
          remote: parent.isRemote === true }
      : null;
    const trace_id = extracted && req.url === '/call' ? parent.traceId : crypto.randomBytes(16).toString('hex');
    const flags = extracted && req.url === '/call' ? parent.traceFlags : api.TraceFlags.SAMPLED;
    answer(res, extracted, { traceId: trace_id, spanId: crypto.randomBytes(8).toString('hex'), traceFlags: flags });
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(port_file + '.tmp', String(server.address().port));
  fs.renameSync(port_file + '.tmp', port_file);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
