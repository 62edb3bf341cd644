#!/usr/bin/env node
'use strict';
// js_emitter.js --endpoint URL (--ca FILE [--client-cert FILE --client-key FILE] | --tls-from-env yes)
//               --out FILE [--compression none|gzip]
//
// The JS -> tracelet half of the interop tests: records a known set of spans with the OFFICIAL
// OpenTelemetry JS SDK (@opentelemetry/sdk-trace-base 2.12.1, BatchSpanProcessor) and exports
// them with the OFFICIAL OTLP/HTTP protobuf exporter (@opentelemetry/exporter-trace-otlp-proto
// 0.223.1) over TLS, trusting only the CA in --ca (given to the exporter's https agent), with
// the exporter's own compression option (OTLP requires servers to take none and gzip).
// Mutual TLS: --client-cert/--client-key add a client certificate to the https agent options;
// --tls-from-env yes gives the exporter no agent options at all, so it reads its CA, client
// certificate and key itself from OTEL_EXPORTER_OTLP_[TRACES_]CERTIFICATE, _CLIENT_CERTIFICATE
// and _CLIENT_KEY, as the OpenTelemetry specification says.
// Writes what it created to --out, as normalized views (see common.js): ids as hex, times as
// nanosecond strings, kinds and status codes as OTLP numbers, typed attribute values.
//
// Every time is given explicitly (as [seconds, nanoseconds]) with odd nanosecond parts, so the
// expected values are known exactly and nanosecond precision is checked end to end.
// Exit status: 0 all spans exported and acknowledged; 1 an export failed; 2 usage.

const fs = require('fs');
const api = require('@opentelemetry/api');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const { defaultResource, resourceFromAttributes } = require('@opentelemetry/resources');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-proto');
const { parse_flags, run_main } = require('./common');

const { SpanKind, SpanStatusCode, TraceFlags } = api;

// OTLP Span.SpanKind numbers (opentelemetry-proto trace.proto); the API's enum starts at 0.
const kOtlpKind = {
  [SpanKind.INTERNAL]: 1, [SpanKind.SERVER]: 2, [SpanKind.CLIENT]: 3,
  [SpanKind.PRODUCER]: 4, [SpanKind.CONSUMER]: 5,
};
// OTLP Span.flags (trace.proto SpanFlags): bits 0-7 W3C trace flags, bit 8 "bit 9 is known",
// bit 9 "the parent span is remote".
const kHasIsRemote = 0x100;
const kIsRemote = 0x200;
// Small span limits, so dropped_attributes_count and dropped_events_count are exercised.
const kAttributeCountLimit = 16;
const kEventCountLimit = 4;

function parse_args(argv) {
  const out = parse_flags(argv, ['--endpoint', '--ca', '--out', '--compression', '--client-cert',
                                 '--client-key', '--tls-from-env'], { compression: 'none' });
  if (!out || !['none', 'gzip'].includes(out.compression)) return null;
  if (!out.client_cert !== !out.client_key) return null;
  if (out.tls_from_env !== undefined && (out.tls_from_env !== 'yes' || out.ca || out.client_cert)) return null;
  return out.endpoint && (out.ca || out.tls_from_env) && out.out ? out : null;
}

// The OTLP type a JS attribute value is exported as: integral numbers become int_value, other
// numbers double_value (the JS SDK's documented mapping; JS has one number type).
function typed(v) {
  if (typeof v === 'string') return { string: v };
  if (typeof v === 'boolean') return { bool: v };
  if (typeof v === 'number') return Number.isInteger(v) ? { int: String(v) } : { double: v };
  if (Array.isArray(v)) return { array: v.map(typed) };
  throw new Error(`no OTLP type for ${JSON.stringify(v)}`);
}

function typed_map(attrs) {
  const out = {};
  for (const [k, v] of Object.entries(attrs)) out[k] = typed(v);
  return out;
}

// Wraps the official exporter to keep every export result: the SDK only logs failures.
class ResultKeepingExporter {
  constructor(inner) {
    this.inner = inner;
    this.results = [];
  }
  export(spans, done) {
    this.inner.export(spans, (result) => {
      this.results.push({ code: result.code, spans: spans.length,
                          error: result.error ? String(result.error.message || result.error) : null });
      done(result);
    });
  }
  shutdown() { return this.inner.shutdown(); }
  forceFlush() { return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve(); }
}

async function main(argv) {
  const args = parse_args(argv);
  if (!args) {
    console.error('usage: js_emitter.js --endpoint URL (--ca FILE [--client-cert FILE --client-key FILE] | ' +
                  '--tls-from-env yes) --out FILE [--compression none|gzip]');
    return 2;
  }
  // Surface SDK and exporter warnings (failed exports, dropped data) in the test log.
  api.diag.setLogger(new api.DiagConsoleLogger(), api.DiagLogLevel.WARN);

  const agent_options = { ca: args.ca && fs.readFileSync(args.ca), keepAlive: true };
  if (args.client_cert) {
    agent_options.cert = fs.readFileSync(args.client_cert);
    agent_options.key = fs.readFileSync(args.client_key);
  }
  const exporter = new OTLPTraceExporter({
    url: args.endpoint,
    // Without agent options the exporter builds its agent from the OTEL_* variables.
    ...(args.tls_from_env ? {} : { httpAgentOptions: agent_options }),
    compression: args.compression,
    timeoutMillis: 10000,
  });
  const keeper = new ResultKeepingExporter(exporter);
  const resource_attributes = {
    'service.name': 'interop-js',
    'service.version': '2.4.0',
    'deployment.environment.name': 'ci',
    'interop.resource.int': 7,
    'interop.resource.bool': true,
    'interop.resource.double': 2.5,
  };
  const resource = defaultResource().merge(resourceFromAttributes(resource_attributes));
  const provider = new BasicTracerProvider({
    resource,
    spanLimits: { attributeCountLimit: kAttributeCountLimit, eventCountLimit: kEventCountLimit },
    // Small batches: several requests over one keep-alive connection.
    spanProcessors: [new BatchSpanProcessor(keeper, { maxExportBatchSize: 4, scheduledDelayMillis: 20 })],
  });
  const scope = { name: 'interop-js-scope', version: '3.1.4' };
  const tracer = provider.getTracer(scope.name, scope.version);

  // What the receiver must show as the resource: the SDK's defaults (telemetry.sdk.*) merged
  // with ours, exactly as the SDK holds them.
  for (const [k, v] of Object.entries(resource_attributes)) {
    if (resource.attributes[k] !== v) throw new Error(`resource merge lost ${k}`);
  }
  const expected_resource = { attributes: typed_map(resource.attributes), dropped_attributes_count: 0 };

  // Explicit times: a base in the recent past plus odd nanosecond offsets.
  const base = (BigInt(Date.now()) - 5000n) * 1000000n + 123457n;
  const at = (offset_ns) => {
    const ns = base + BigInt(offset_ns);
    return { hr: [Number(ns / 1000000000n), Number(ns % 1000000000n)], text: ns.toString() };
  };

  const expected = [];
  // Records one span with the SDK and its expected view. `spec` holds what the span gets.
  function make(spec) {
    const options = { kind: spec.kind, startTime: at(spec.start).hr };
    if (spec.links) options.links = spec.links.map((l) => ({ context: l.context, attributes: l.attributes }));
    const ctx = spec.parent_ctx || api.ROOT_CONTEXT;
    const span = tracer.startSpan(spec.name, options, ctx);
    const kept_attributes = {};
    let dropped_attributes = 0;
    for (const [k, v] of Object.entries(spec.attributes || {})) {
      span.setAttribute(k, v);
      // The SDK keeps the first attributeCountLimit distinct keys and counts the rest.
      if (Object.keys(kept_attributes).length < kAttributeCountLimit || k in kept_attributes) kept_attributes[k] = v;
      else dropped_attributes += 1;
    }
    const events = [];
    for (const e of spec.events || []) {
      if (e.exception) span.recordException(e.exception, at(e.time).hr);
      else span.addEvent(e.name, e.attributes, at(e.time).hr);
      events.push({ name: e.exception ? 'exception' : e.name, time_unix_nano: at(e.time).text,
                    attributes: typed_map(e.exception ? e.expected_attributes : e.attributes || {}),
                    dropped_attributes_count: 0 });
    }
    // Past eventCountLimit the SDK drops the OLDEST events and counts them.
    const dropped_events = Math.max(0, events.length - kEventCountLimit);
    if (spec.status) span.setStatus(spec.status);
    span.end(at(spec.end).hr);
    const sc = span.spanContext();
    const parent = spec.parent_ctx ? api.trace.getSpanContext(spec.parent_ctx) : null;
    expected.push({
      // From the parent, not the span: a child that failed to join its trace is caught.
      trace_id: parent ? parent.traceId : sc.traceId,
      span_id: sc.spanId,
      parent_span_id: parent ? parent.spanId : '',
      trace_state: parent && parent.traceState ? parent.traceState.serialize() : '',
      flags: TraceFlags.SAMPLED | kHasIsRemote | (parent && parent.isRemote ? kIsRemote : 0),
      name: spec.name,
      kind: kOtlpKind[spec.kind],
      start_time_unix_nano: at(spec.start).text,
      end_time_unix_nano: at(spec.end).text,
      attributes: typed_map(kept_attributes),
      dropped_attributes_count: dropped_attributes,
      events: events.slice(dropped_events),
      dropped_events_count: dropped_events,
      links: (spec.links || []).map((l) => ({
        trace_id: l.context.traceId, span_id: l.context.spanId,
        trace_state: l.context.traceState ? l.context.traceState.serialize() : '',
        flags: (l.context.traceFlags & 0xff) | kHasIsRemote | (l.context.isRemote ? kIsRemote : 0),
        attributes: typed_map(l.attributes || {}), dropped_attributes_count: 0,
      })),
      dropped_links_count: 0,
      status: spec.status ? { code: spec.status.code, message: spec.status.message || '' } : { code: 0, message: '' },
      resource: expected_resource,
      scope: { name: scope.name, version: scope.version, attributes: {} },
    });
    return span;
  }
  const under = (span) => api.trace.setSpan(api.ROOT_CONTEXT, span);

  // ---- trace 1: a request with nested children of every kind --------------------------------
  const root = make({
    name: 'checkout', kind: SpanKind.SERVER, start: 1, end: 90000001,
    attributes: {
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'http.route': '/api/checkout',
      'interop.cached': false,
      'interop.retried': true,
      'interop.ratio': 0.75,
      'interop.negative': -42,
      'interop.max_safe_int': Number.MAX_SAFE_INTEGER,
      'interop.tiny_double': 1.5e-300,
      'interop.unicode': 'grüße, 世界 ✓',
      'interop.tags': ['a', 'b', 'c'],
    },
    status: { code: SpanStatusCode.OK },
  });
  const load = make({
    name: 'load-cart', kind: SpanKind.INTERNAL, parent_ctx: under(root), start: 1000003, end: 30000007,
    attributes: { 'cart.items': 3 },
    events: [{ name: 'cache-miss', time: 2000011,
               attributes: { 'cache.key': 'cart:42', 'cache.ttl_ms': 1500, 'cache.hit': false, 'cache.load': 0.125 } },
             { name: 'loaded', time: 29000013 }],
  });
  make({
    name: 'db.query', kind: SpanKind.CLIENT, parent_ctx: under(load), start: 3000017, end: 25000019,
    attributes: { 'db.system.name': 'postgresql', 'db.response.returned_rows': 3, 'db.query.text': 'SELECT * FROM cart WHERE id = $1' },
  });
  const publish = make({
    name: 'publish-order', kind: SpanKind.PRODUCER, parent_ctx: under(root), start: 31000023, end: 35000029,
    attributes: { 'messaging.system': 'kafka', 'messaging.destination.name': 'orders' },
  });
  make({
    name: 'handle-order', kind: SpanKind.CONSUMER, parent_ctx: under(publish), start: 36000031, end: 60000037,
    attributes: { 'messaging.operation.type': 'process' },
  });
  make({
    name: 'charge-card', kind: SpanKind.CLIENT, parent_ctx: under(root), start: 61000041, end: 89000043,
    attributes: { 'payment.amount': 19.99, 'payment.currency': 'EUR' },
    events: [{ time: 88000047,
               exception: { name: 'PaymentError', message: 'card declined',
                            stack: 'PaymentError: card declined\n    at charge (pay.js:12:3)' },
               expected_attributes: { 'exception.type': 'PaymentError', 'exception.message': 'card declined',
                                      'exception.stacktrace': 'PaymentError: card declined\n    at charge (pay.js:12:3)' } }],
    status: { code: SpanStatusCode.ERROR, message: 'card declined: insufficient funds' },
  });

  // ---- trace 2: continued from a remote caller (traceparent + tracestate), with a link --------
  const remote = {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED, isRemote: true,
    traceState: api.createTraceState('rojo=00f067aa0ba902b7,congo=t61rcWkgMzE'),
  };
  make({
    name: 'remote-child', kind: SpanKind.SERVER,
    parent_ctx: api.trace.setSpanContext(api.ROOT_CONTEXT, remote), start: 100000053, end: 120000059,
    attributes: { 'interop.remote': true },
    links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331',
                         traceFlags: TraceFlags.SAMPLED, isRemote: true },
              attributes: { 'link.reason': 'batch', 'link.index': 2 } }],
  });

  // ---- trace 3: limits: 18 attributes (16 kept) and 6 events (4 kept) --------------------------
  const many = {};
  for (let i = 0; i < 18; ++i) many[`attr.${String(i).padStart(2, '0')}`] = i % 2 ? `v${i}` : i;
  make({
    name: 'limits', kind: SpanKind.INTERNAL, start: 130000061, end: 140000067, attributes: many,
    events: [0, 1, 2, 3, 4, 5].map((i) => ({ name: `tick-${i}`, time: 131000071 + i * 1000, attributes: { 'tick.index': i } })),
    status: { code: SpanStatusCode.ERROR },
  });

  // A failed export rejects forceFlush(); what was created is still written for the report.
  let flush_error = null;
  try {
    await provider.forceFlush();
  } catch (e) {
    flush_error = e;
  }
  try {
    await provider.shutdown();
  } catch (e) {
    flush_error = flush_error || e;
  }

  const exported = keeper.results.reduce((n, r) => n + (r.code === 0 ? r.spans : 0), 0);
  const failed = keeper.results.filter((r) => r.code !== 0);
  fs.writeFileSync(args.out, JSON.stringify({ spans: expected, exports: keeper.results }, null, 1));
  console.log(`js_emitter: ${expected.length} spans created, ${keeper.results.length} export calls ` +
              `(compression ${args.compression}), ` +
              `${exported} spans acknowledged, ${failed.length} failed`);
  if (failed.length || exported !== expected.length || flush_error) {
    for (const f of failed) console.error(`js_emitter: export of ${f.spans} spans failed: ${f.error}`);
    if (flush_error) console.error(`js_emitter: flush/shutdown failed: ${flush_error.message || flush_error}`);
    return 1;
  }
  return 0;
}

run_main('js_emitter', main);
