#!/usr/bin/env node
'use strict';
// check_request.js <request.bin> <expected.json> [--print-actual]
//
// Decodes an OTLP/HTTP trace export body (ExportTraceServiceRequest) with the OFFICIAL generated
// code, proves that every byte was understood (wire walk: no unknown field numbers, every scalar
// re-encodes to the bytes on the wire), converts the result to tracelet's normalized JSON form and
// deep-compares it with expected.json, printing every difference with its path.
//
// Normalized form: every field present, defaults filled in; 64-bit integers as decimal strings;
// ids and bytes as lowercase hex (empty ids as ""); enums as numbers; AnyValue as one of
// {"string":s} {"bool":b} {"int":"<decimal>"} {"double":n} {"bytes":"<hex>"}
// {"array":[AnyValue...]} or {} when unset.
// A double that JSON cannot hold is the string "NaN", "Infinity" or "-Infinity".
//
// Exit status: 0 identical; 1 not understood or different; 2 usage or unreadable input.

const fs = require('fs');
const official = require('./official');
const { walk_understood, same_bytes } = require('./wire');
const { diff, join } = require('./json_diff');

// ---- normalization of an official decoded ExportTraceServiceRequest -------------------------

class Normalizer {
  constructor(Long) {
    this.Long = Long;
    this.problems = [];
  }

  // Flags wire fields the normalized form has no place for, so they cannot pass unnoticed.
  only(msg, allowed, path) {
    for (const k of Object.keys(msg)) {
      const v = msg[k];
      if (v === null || v === undefined || typeof v === 'function') continue;
      if (Array.isArray(v) && v.length === 0) continue;
      if (!allowed.includes(k)) {
        this.problems.push(`${join(path, official.snake(k))}: set in the request, but the normalized ` +
                           `JSON form has no place for it`);
      }
    }
  }

  str(v) { return v === null || v === undefined ? '' : v; }
  u32(v) { return v === null || v === undefined ? 0 : v; }
  hex(v) { return v === null || v === undefined ? '' : Buffer.from(v).toString('hex'); }
  dec64(v, unsigned) {
    if (v === null || v === undefined) return '0';
    if (typeof v === 'number') return BigInt(v).toString();  // only if Long is missing; load() forbids
    return this.Long.fromBits(v.low, v.high, unsigned).toString();
  }

  request(m) {
    this.only(m, ['resourceSpans'], '');
    return { resource_spans: m.resourceSpans.map((rs, i) => this.resource_spans(rs, `resource_spans[${i}]`)) };
  }

  resource_spans(m, p) {
    this.only(m, ['resource', 'scopeSpans', 'schemaUrl'], p);
    return {
      resource: this.resource(m.resource, join(p, 'resource')),
      schema_url: this.str(m.schemaUrl),
      scope_spans: m.scopeSpans.map((s, i) => this.scope_spans(s, `${p}.scope_spans[${i}]`)),
    };
  }

  resource(m, p) {
    if (!m) return { attributes: [], dropped_attributes_count: 0 };
    this.only(m, ['attributes', 'droppedAttributesCount'], p);
    return { attributes: this.kvs(m.attributes, join(p, 'attributes')),
             dropped_attributes_count: this.u32(m.droppedAttributesCount) };
  }

  scope_spans(m, p) {
    this.only(m, ['scope', 'spans', 'schemaUrl'], p);
    return {
      scope: this.scope(m.scope, join(p, 'scope')),
      schema_url: this.str(m.schemaUrl),
      spans: m.spans.map((s, i) => this.span(s, `${p}.spans[${i}]`)),
    };
  }

  scope(m, p) {
    if (!m) return { name: '', version: '', attributes: [], dropped_attributes_count: 0 };
    this.only(m, ['name', 'version', 'attributes', 'droppedAttributesCount'], p);
    return { name: this.str(m.name), version: this.str(m.version),
             attributes: this.kvs(m.attributes, join(p, 'attributes')),
             dropped_attributes_count: this.u32(m.droppedAttributesCount) };
  }

  span(m, p) {
    this.only(m, ['traceId', 'spanId', 'traceState', 'parentSpanId', 'flags', 'name', 'kind',
                  'startTimeUnixNano', 'endTimeUnixNano', 'attributes', 'droppedAttributesCount',
                  'events', 'droppedEventsCount', 'links', 'droppedLinksCount', 'status'], p);
    return {
      trace_id: this.hex(m.traceId),
      span_id: this.hex(m.spanId),
      trace_state: this.str(m.traceState),
      parent_span_id: this.hex(m.parentSpanId),
      flags: this.u32(m.flags),
      name: this.str(m.name),
      kind: this.u32(m.kind),
      start_time_unix_nano: this.dec64(m.startTimeUnixNano, true),
      end_time_unix_nano: this.dec64(m.endTimeUnixNano, true),
      attributes: this.kvs(m.attributes, join(p, 'attributes')),
      dropped_attributes_count: this.u32(m.droppedAttributesCount),
      events: m.events.map((e, i) => this.event(e, `${p}.events[${i}]`)),
      dropped_events_count: this.u32(m.droppedEventsCount),
      links: m.links.map((l, i) => this.link(l, `${p}.links[${i}]`)),
      dropped_links_count: this.u32(m.droppedLinksCount),
      status: this.status(m.status, join(p, 'status')),
    };
  }

  event(m, p) {
    this.only(m, ['timeUnixNano', 'name', 'attributes', 'droppedAttributesCount'], p);
    return { time_unix_nano: this.dec64(m.timeUnixNano, true), name: this.str(m.name),
             attributes: this.kvs(m.attributes, join(p, 'attributes')),
             dropped_attributes_count: this.u32(m.droppedAttributesCount) };
  }

  link(m, p) {
    this.only(m, ['traceId', 'spanId', 'traceState', 'attributes', 'droppedAttributesCount', 'flags'], p);
    return { trace_id: this.hex(m.traceId), span_id: this.hex(m.spanId), trace_state: this.str(m.traceState),
             attributes: this.kvs(m.attributes, join(p, 'attributes')),
             dropped_attributes_count: this.u32(m.droppedAttributesCount), flags: this.u32(m.flags) };
  }

  status(m, p) {
    if (!m) return { code: 0, message: '' };
    this.only(m, ['code', 'message'], p);
    return { code: this.u32(m.code), message: this.str(m.message) };
  }

  kvs(list, p) {
    return list.map((kv, i) => {
      const kp = `${p}[${i}]`;
      this.only(kv, ['key', 'value'], kp);
      return { key: this.str(kv.key), value: this.any_value(kv.value, join(kp, 'value')) };
    });
  }

  any_value(m, p) {
    if (!m) return {};
    const members = ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'bytesValue', 'arrayValue'];
    this.only(m, members, p);
    const set = members.filter((k) => m[k] !== null && m[k] !== undefined);
    if (set.length > 1) {
      this.problems.push(`${p}: more than one member of the oneof is on the wire (${set.map(official.snake).join(', ')})`);
    }
    if (set.length === 0) return {};
    const k = set[set.length - 1];
    const v = m[k];
    switch (k) {
      case 'stringValue': return { string: v };
      case 'boolValue': return { bool: v };
      case 'intValue': return { int: this.dec64(v, false) };
      case 'doubleValue': return { double: Number.isFinite(v) ? v : String(v) };
      case 'arrayValue': {
        const ap = join(p, 'array_value');
        this.only(v, ['values'], ap);
        return { array: (v.values || []).map((e, i) => this.any_value(e, `${ap}.values[${i}]`)) };
      }
      default: return { bytes: this.hex(v) };
    }
  }
}

// ---- the check -----------------------------------------------------------------------------

// Checks one request body against the expected normalized object.
// Returns { ok, lines: [...], actual } where lines explain every failure (or summarize success).
function check_request(body, expected) {
  const { root, Long, transformer_version } = official.load();
  const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const lines = [];
  let msg;
  try {
    msg = Req.decode(body);
  } catch (e) {
    return { ok: false, lines: [`the official decoder rejected the body (${body.length} bytes): ${e.message}`], actual: null };
  }
  const problems = [];
  walk_understood(body, msg, '', problems);
  if (problems.length) {
    lines.push(`the official decoder did not understand every byte (${problems.length} problem(s)):`);
    for (const p of problems) lines.push(`  ${p}`);
  }
  const again = Req.encode(msg).finish();
  const identical = same_bytes(again, body);
  const norm = new Normalizer(Long);
  const actual = norm.request(msg);
  if (norm.problems.length) {
    lines.push(`the request holds data the normalized form cannot express:`);
    for (const p of norm.problems) lines.push(`  ${p}`);
  }
  const diffs = [];
  diff(expected, actual, '', diffs);
  if (diffs.length) {
    lines.push(`decoded request differs from the expected JSON (${diffs.length} difference(s)):`);
    for (const d of diffs) lines.push(`  ${d}`);
  }
  const ok = problems.length === 0 && norm.problems.length === 0 && diffs.length === 0;
  if (ok) {
    let spans = 0, events = 0, links = 0, attrs = 0;
    for (const rs of actual.resource_spans) {
      attrs += rs.resource.attributes.length;
      for (const ss of rs.scope_spans) {
        attrs += ss.scope.attributes.length;
        for (const s of ss.spans) {
          spans += 1;
          events += s.events.length;
          links += s.links.length;
          attrs += s.attributes.length + s.events.reduce((n, e) => n + e.attributes.length, 0) +
                   s.links.reduce((n, l) => n + l.attributes.length, 0);
        }
      }
    }
    lines.push(`decoded by the official @opentelemetry/otlp-transformer ${transformer_version} code with every ` +
               `field understood; ${identical ? 'official re-encoding is byte-identical' :
                 'official re-encoding has the same fields in a different order'}`);
    lines.push(`matches expected JSON: ${actual.resource_spans.length} resource_spans, ${spans} spans, ` +
               `${events} events, ${links} links, ${attrs} attributes`);
  }
  return { ok, lines, actual };
}

function main(argv) {
  const args = argv.filter((a) => a !== '--print-actual');
  const print_actual = args.length !== argv.length;
  if (args.length !== 2) {
    console.error('usage: check_request.js <request.bin> <expected.json> [--print-actual]');
    return 2;
  }
  let body, expected;
  try {
    body = fs.readFileSync(args[0]);
  } catch (e) {
    console.error(`error: cannot read ${args[0]}: ${e.message}`);
    return 2;
  }
  try {
    expected = JSON.parse(fs.readFileSync(args[1], 'utf8'));
  } catch (e) {
    console.error(`error: cannot read ${args[1]} as JSON: ${e.message}`);
    return 2;
  }
  const result = check_request(new Uint8Array(body), expected);
  const tag = result.ok ? 'ok' : 'FAIL';
  console.log(`${tag}: ${args[0]} (${body.length} bytes) vs ${args[1]}`);
  for (const l of result.lines) console.log(`  ${l}`);
  if (print_actual && result.actual) console.log(JSON.stringify(result.actual, null, 1));
  return result.ok ? 0 : 1;
}

module.exports = { check_request };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
