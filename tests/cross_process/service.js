#!/usr/bin/env node
'use strict';
// service.js PORT_FILE
//
// "reading-service": the small HTTP service the demo device (boards/demo/sensor_node --call URL)
// posts its readings to in the cross-process tracing test. It is instrumented only with the
// OFFICIAL OpenTelemetry Node SDK, used the way its documentation shows:
//   NodeTracerProvider (@opentelemetry/sdk-trace-node) + BatchSpanProcessor,
//   HttpInstrumentation (@opentelemetry/instrumentation-http) via registerInstrumentations,
//   the default W3C Trace Context propagator (provider.register()),
//   OTLPTraceExporter (@opentelemetry/exporter-trace-otlp-proto).
// The exporter is configured by the standard variables only, the same ones the device reads:
//   OTEL_EXPORTER_OTLP_ENDPOINT     https://127.0.0.1:PORT (the exporter appends /v1/traces)
//   OTEL_EXPORTER_OTLP_CERTIFICATE  the receiver's CA (the exporter gives it to its https agent)
//
// Behaviour:
//   - listens on 127.0.0.1, port 0 (any free port), and writes the port to PORT_FILE once it
//     listens;
//   - POST /readings with a JSON body: 200 + JSON answer, and a `traceresponse` header (W3C Trace
//     Context Level 2: "00-" trace-id "-" child-id "-" trace-flags, where child-id is the id of
//     the span that served the request) built from the active server span the instrumentation
//     started; other paths 404, other methods 405, a body that is not JSON 400;
//   - W3C Baggage: the default propagator (W3CBaggagePropagator, registered by
//     provider.register()) extracted the request's `baggage` header into the active context;
//     its `device.id` entry is read with the Baggage API, set on the server span as
//     `baggage.device.id`, and echoed in the JSON answer as `device_id`;
//   - the answer always has Content-Length (node would otherwise send a chunked body);
//   - SIGTERM/SIGINT: stop listening, shut the provider down (which flushes the batch
//     processor through the exporter), print what was exported, exit 0 if there was at least
//     one export and every export succeeded, else 1.
// Logs go to stdout/stderr, which the test keeps next to the receiver's output.

const fs = require('fs');

const api = require('@opentelemetry/api');
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');

const SERVICE_NAME = 'reading-service';
const MAX_BODY_BYTES = 4096;

function log(message) {
  process.stdout.write(`${SERVICE_NAME}: ${message}\n`);
}

// Export results as the official exporter reports them, so a failed export (TLS, HTTP status)
// is printed and turns into a non-zero exit instead of a silently missing span.
function counting(exporter) {
  const stats = { calls: 0, spans: 0, failures: [] };
  return {
    stats,
    export(spans, done) {
      exporter.export(spans, (result) => {
        stats.calls += 1;
        if (result.code === 0) {
          stats.spans += spans.length;
        } else {
          const why = result.error ? String(result.error.message || result.error) : 'unknown error';
          stats.failures.push(`${spans.length} span(s): ${why}`);
        }
        done(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => (exporter.forceFlush ? exporter.forceFlush() : Promise.resolve()),
  };
}

function main(argv) {
  if (argv.length !== 1) {
    process.stderr.write('usage: service.js PORT_FILE\n');
    return 2;
  }
  const port_file = argv[0];
  if (!process.env.OTEL_EXPORTER_OTLP_ENDPOINT) {
    process.stderr.write(`${SERVICE_NAME}: OTEL_EXPORTER_OTLP_ENDPOINT is not set; refusing to export to the ` +
                         'exporter\'s default (localhost:4318)\n');
    return 2;
  }

  // Warnings and errors of the SDK itself (e.g. an exporter error) reach our stderr.
  api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.WARN);

  const exporter = counting(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': SERVICE_NAME, 'service.version': '1.0.0' }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 500 })],
  });
  provider.register();  // AsyncLocalStorage context manager + W3C traceparent/baggage propagator
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [new HttpInstrumentation({
      // Captured as http.request.header.traceparent / http.response.header.traceresponse on the
      // server span, so the receiver's output shows both directions of the propagation.
      headersToSpanAttributes: { server: { requestHeaders: ['traceparent'], responseHeaders: ['traceresponse'] } },
    })],
  });

  // Loaded after the instrumentation is registered, as its documentation requires.
  const http = require('http');
  const tracer = api.trace.getTracer('reading-service-handlers', '1.0.0');

  const server = http.createServer((req, res) => {
    // The instrumentation made the SERVER span for this request the active span.
    const server_span = api.trace.getActiveSpan();
    if (server_span) {
      const sc = server_span.spanContext();
      const flags = (sc.traceFlags & api.TraceFlags.SAMPLED) ? '01' : '00';
      res.setHeader('traceresponse', `00-${sc.traceId}-${sc.spanId}-${flags}`);
    }
    // Baggage the device sent, as the official propagator decoded it.
    const baggage = api.propagation.getBaggage(api.context.active());
    const device_id = baggage ? baggage.getEntry('device.id') : undefined;
    if (server_span && device_id) server_span.setAttribute('baggage.device.id', device_id.value);
    const answer = (status, doc) => {
      const body = Buffer.from(JSON.stringify(doc));
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
      res.end(body);
    };
    if (req.url !== '/readings') return answer(404, { error: `no resource ${req.url}` });
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return answer(405, { error: `${req.method} not allowed` });
    }
    const chunks = [];
    let size = 0;
    let too_large = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) too_large = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (too_large) return answer(413, { error: `body over ${MAX_BODY_BYTES} bytes` });
      let reading;
      try {
        reading = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return answer(400, { error: `body is not JSON: ${e.message}` });
      }
      // A child of the server span, to show the service's own work under the device's call.
      tracer.startActiveSpan('store-reading', (span) => {
        span.setAttribute('reading.celsius', Number(reading.celsius));
        span.setAttribute('reading.cycle', Number(reading.cycle));
        span.end();
      });
      answer(200, { accepted: true, cycle: reading.cycle, device_id: device_id ? device_id.value : null });
    });
  });

  let stopping = false;
  const stop = (signal) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: closing the server and flushing spans`);
    server.close();
    server.closeAllConnections?.();
    provider.shutdown().then(() => {
      const s = exporter.stats;
      log(`exported ${s.spans} span(s) in ${s.calls} export call(s), ${s.failures.length} failed`);
      for (const f of s.failures) log(`export failed: ${f}`);
      process.exit(s.failures.length === 0 && s.calls > 0 ? 0 : 1);
    }, (e) => {
      log(`provider shutdown failed: ${e && e.stack ? e.stack : e}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  server.on('error', (e) => {
    process.stderr.write(`${SERVICE_NAME}: server error: ${e.stack || e}\n`);
    process.exit(1);
  });
  server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    // Written to a temporary name and renamed, so a reader never sees a partial number.
    fs.writeFileSync(`${port_file}.tmp`, `${port}\n`);
    fs.renameSync(`${port_file}.tmp`, port_file);
    log(`listening on http://127.0.0.1:${port}/readings (pid ${process.pid}), exporting to ` +
        `${process.env.OTEL_EXPORTER_OTLP_ENDPOINT}`);
  });
  return undefined;
}

const code = main(process.argv.slice(2));
if (code !== undefined) process.exitCode = code;
