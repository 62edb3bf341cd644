#!/usr/bin/env node
'use strict';
// selftest.js [work_dir]
//
// Proves that check_request.js works without any tracelet C++ code: requests are built with the
// OFFICIAL encoder (fromObject + encode from @opentelemetry/otlp-transformer 0.216.0), their
// normalized JSON is written out by hand below, and check_request.js (run as a program, exactly as
// CTest runs it on tracelet's output) must pass on the good pairs and fail (exit 1, naming the
// place) on a changed value, an appended unknown field, a truncated body and other corruptions.
// Every truncation point of the large request is also checked in-process.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');
const official = require('./official');
const { check_request } = require('./check_request');

const { root } = official.load();
const v1 = root.opentelemetry.proto;
const Req = v1.collector.trace.v1.ExportTraceServiceRequest;
const Span = v1.trace.v1.Span;
const Resource = v1.resource.v1.Resource;
const AnyValue = v1.common.v1.AnyValue;

const work = path.resolve(process.argv[2] || fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-selftest-')));
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });

const checker = path.join(__dirname, 'check_request.js');
const h = (s) => Buffer.from(s, 'hex');
const clone = (x) => JSON.parse(JSON.stringify(x));

// ---- hand-built wire pieces ------------------------------------------------------------------

function varint(n) {
  const out = [];
  let v = BigInt(n);
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v) b |= 0x80;
    out.push(b);
  } while (v);
  return Buffer.from(out);
}
const len_field = (number, payload) =>
  Buffer.concat([varint((number << 3) | 2), varint(payload.length), Buffer.from(payload)]);
// Request { resource_spans(1) { scope_spans(2) { spans(2) { <span bytes> } } } }
const wrap_span = (span_bytes) => len_field(1, len_field(2, len_field(2, span_bytes)));

// ---- inputs (official encoder) and their normalized JSON (written by hand) ------------------

const T1 = '5b8efff798038103d269b633813fc60c';
const T2 = '0af7651916cd43dd8448eb211c80319c';
const T3 = 'ffffffffffffffffffffffffffffffff';
const S1 = 'eee19b7ec3c1b174';
const S2 = '00f067aa0ba902b7';
const S3 = '0000000000000001';
const S4 = 'ffffffffffffffff';

const empty_scope = () => ({ name: '', version: '', attributes: [], dropped_attributes_count: 0 });
const empty_resource = () => ({ attributes: [], dropped_attributes_count: 0 });
function norm_span(fields) {
  return Object.assign({
    trace_id: '', span_id: '', trace_state: '', parent_span_id: '', flags: 0, name: '', kind: 0,
    start_time_unix_nano: '0', end_time_unix_nano: '0', attributes: [], dropped_attributes_count: 0,
    events: [], dropped_events_count: 0, links: [], dropped_links_count: 0,
    status: { code: 0, message: '' },
  }, fields);
}

const rich_input = {
  resourceSpans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'thermostat' } },
          { key: 'host.id', value: { bytesValue: h('00ff10') } },
        ],
        droppedAttributesCount: 1,
      },
      schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
      scopeSpans: [
        {
          scope: { name: 'tracelet', version: '0.1.0', attributes: [{ key: 'scope.flag', value: { boolValue: true } }],
                   droppedAttributesCount: 2 },
          schemaUrl: 'https://example.test/scope',
          spans: [
            {
              traceId: h(T1), spanId: h(S1), traceState: 'vendor=1', flags: 0x301, name: 'GET /temp', kind: 2,
              startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '18446744073709551615',
              attributes: [
                { key: 'http.method', value: { stringValue: 'GET' } },
                { key: 'retry', value: { boolValue: false } },
                { key: 'big.negative', value: { intValue: '-9007199254740993' } },
                { key: 'int.max', value: { intValue: '9223372036854775807' } },
                { key: 'int.min', value: { intValue: '-9223372036854775808' } },
                { key: 'ratio', value: { doubleValue: 0.1 } },
                { key: 'tiny', value: { doubleValue: -2.5e-300 } },
                { key: 'payload', value: { bytesValue: h('deadbeef00') } },
                { key: 'unset' },
                { key: '\u00fc\u00f1\u00ed', value: { stringValue: 'v\u00e4rde \u2713' } },
              ],
              droppedAttributesCount: 3,
              events: [
                { timeUnixNano: '1700000000200000000', name: 'exception',
                  attributes: [{ key: 'exception.message', value: { stringValue: 'sensor timeout' } }],
                  droppedAttributesCount: 1 },
                { timeUnixNano: '1700000000300000000', name: 'retry' },
              ],
              droppedEventsCount: 4,
              links: [
                { traceId: h(T2), spanId: h(S2), traceState: 'k=v',
                  attributes: [{ key: 'link.kind', value: { intValue: 7 } }], droppedAttributesCount: 5, flags: 0x100 },
              ],
              droppedLinksCount: 6,
              status: { code: 2, message: 'sensor timeout' },
            },
            {
              traceId: h(T1), spanId: h(S3), parentSpanId: h(S1), name: 'read sensor', kind: 1,
              startTimeUnixNano: '1700000000150000000', endTimeUnixNano: '1700000000190000000', status: { code: 1 },
            },
          ],
        },
        { scope: { name: 'other' },
          spans: [{ traceId: h(T2), spanId: h(S2), name: 'flush', kind: 3, startTimeUnixNano: '1', endTimeUnixNano: '2' }] },
      ],
    },
    { scopeSpans: [{ spans: [{ traceId: h(T3), spanId: h(S4), name: 'bare' }] }] },
  ],
};

const rich_expected = {
  resource_spans: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { string: 'thermostat' } },
          { key: 'host.id', value: { bytes: '00ff10' } },
        ],
        dropped_attributes_count: 1,
      },
      schema_url: 'https://opentelemetry.io/schemas/1.21.0',
      scope_spans: [
        {
          scope: { name: 'tracelet', version: '0.1.0', attributes: [{ key: 'scope.flag', value: { bool: true } }],
                   dropped_attributes_count: 2 },
          schema_url: 'https://example.test/scope',
          spans: [
            norm_span({
              trace_id: T1, span_id: S1, trace_state: 'vendor=1', flags: 769, name: 'GET /temp', kind: 2,
              start_time_unix_nano: '1700000000123456789', end_time_unix_nano: '18446744073709551615',
              attributes: [
                { key: 'http.method', value: { string: 'GET' } },
                { key: 'retry', value: { bool: false } },
                { key: 'big.negative', value: { int: '-9007199254740993' } },
                { key: 'int.max', value: { int: '9223372036854775807' } },
                { key: 'int.min', value: { int: '-9223372036854775808' } },
                { key: 'ratio', value: { double: 0.1 } },
                { key: 'tiny', value: { double: -2.5e-300 } },
                { key: 'payload', value: { bytes: 'deadbeef00' } },
                { key: 'unset', value: {} },
                { key: '\u00fc\u00f1\u00ed', value: { string: 'v\u00e4rde \u2713' } },
              ],
              dropped_attributes_count: 3,
              events: [
                { time_unix_nano: '1700000000200000000', name: 'exception',
                  attributes: [{ key: 'exception.message', value: { string: 'sensor timeout' } }],
                  dropped_attributes_count: 1 },
                { time_unix_nano: '1700000000300000000', name: 'retry', attributes: [], dropped_attributes_count: 0 },
              ],
              dropped_events_count: 4,
              links: [
                { trace_id: T2, span_id: S2, trace_state: 'k=v', attributes: [{ key: 'link.kind', value: { int: '7' } }],
                  dropped_attributes_count: 5, flags: 256 },
              ],
              dropped_links_count: 6,
              status: { code: 2, message: 'sensor timeout' },
            }),
            norm_span({
              trace_id: T1, span_id: S3, parent_span_id: S1, name: 'read sensor', kind: 1,
              start_time_unix_nano: '1700000000150000000', end_time_unix_nano: '1700000000190000000',
              status: { code: 1, message: '' },
            }),
          ],
        },
        {
          scope: { name: 'other', version: '', attributes: [], dropped_attributes_count: 0 },
          schema_url: '',
          spans: [norm_span({ trace_id: T2, span_id: S2, name: 'flush', kind: 3,
                              start_time_unix_nano: '1', end_time_unix_nano: '2' })],
        },
      ],
    },
    {
      resource: empty_resource(),
      schema_url: '',
      scope_spans: [{ scope: empty_scope(), schema_url: '',
                      spans: [norm_span({ trace_id: T3, span_id: S4, name: 'bare' })] }],
    },
  ],
};

// One span, used plain, with its fields written in reverse order, and with defaults on the wire.
const one_span = {
  traceId: h(T1), spanId: h(S2), parentSpanId: h(S1), traceState: 'a=b', flags: 1, name: 'sample', kind: 4,
  startTimeUnixNano: '9007199254740993', endTimeUnixNano: '9007199254740995',
  attributes: [{ key: 'n', value: { intValue: '-1' } }, { key: 'd', value: { doubleValue: 1e21 } }],
  events: [{ timeUnixNano: '9007199254740994', name: 'mid' }],
  status: { code: 1, message: 'fine' },
};
const one_expected = {
  resource_spans: [{
    resource: empty_resource(), schema_url: '',
    scope_spans: [{ scope: empty_scope(), schema_url: '', spans: [norm_span({
      trace_id: T1, span_id: S2, parent_span_id: S1, trace_state: 'a=b', flags: 1, name: 'sample', kind: 4,
      start_time_unix_nano: '9007199254740993', end_time_unix_nano: '9007199254740995',
      attributes: [{ key: 'n', value: { int: '-1' } }, { key: 'd', value: { double: 1e21 } }],
      events: [{ time_unix_nano: '9007199254740994', name: 'mid', attributes: [], dropped_attributes_count: 0 }],
      status: { code: 1, message: 'fine' },
    })] }],
  }],
};
const one_span_bytes = Span.encode(Span.fromObject(one_span)).finish();
const reversed_span_bytes = Buffer.concat(Object.keys(one_span).reverse()
  .map((k) => Span.encode(Span.fromObject({ [k]: one_span[k] })).finish()));

const defaults_span = { traceId: h(T2), spanId: h(S3), name: '', kind: 0, flags: 0, droppedAttributesCount: 0,
                        startTimeUnixNano: '0', status: { code: 0, message: '' } };
const defaults_bytes = Req.encode(Req.fromObject({ resourceSpans: [{ schemaUrl: '', scopeSpans: [{ spans: [defaults_span] }] }] })).finish();
const defaults_expected = {
  resource_spans: [{ resource: empty_resource(), schema_url: '',
                     scope_spans: [{ scope: empty_scope(), schema_url: '', spans: [norm_span({ trace_id: T2, span_id: S3 })] }] }],
};

const rich_bytes = Req.encode(Req.fromObject(rich_input)).finish();

// ---- running the checker ---------------------------------------------------------------------

let failures = 0;
let n_case = 0;

function write_case(name, body, expected) {
  const bin = path.join(work, `${name}.bin`);
  const json = path.join(work, `${name}.json`);
  fs.writeFileSync(bin, body);
  fs.writeFileSync(json, typeof expected === 'string' ? expected : JSON.stringify(expected, null, 1));
  return [bin, json];
}

function run(name, body, expected) {
  const [bin, json] = write_case(name, body, expected);
  const r = spawnSync(process.execPath, [checker, bin, json], { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

function expect_pass(name, body, expected) {
  n_case += 1;
  const r = run(name, body, expected);
  if (r.status === 0) {
    const detail = r.out.split('\n').filter((l) => l.trim()).slice(1).map((l) => l.trim()).join('; ');
    console.log(`ok   ${name} (${body.length} bytes): passes — ${detail}`);
  } else {
    failures += 1;
    console.log(`FAIL ${name}: check_request.js exited ${r.status} on a correct request:\n${r.out}`);
  }
}

// `must_say` lists strings that must all appear in the output, so the failure names its cause.
function expect_fail(name, body, expected, must_say) {
  n_case += 1;
  const r = run(name, body, expected);
  const missing = must_say.filter((s) => !r.out.includes(s));
  if (r.status === 1 && missing.length === 0) {
    const first = r.out.split('\n').map((l) => l.trim()).find((l) => must_say.some((s) => l.includes(s)));
    console.log(`ok   ${name}: rejected (exit 1) — ${first}`);
  } else {
    failures += 1;
    console.log(`FAIL ${name}: expected exit 1 mentioning ${JSON.stringify(must_say)}, ` +
                `got exit ${r.status}${missing.length ? `, missing ${JSON.stringify(missing)}` : ''}:\n${r.out}`);
  }
}

// Good requests pass.
expect_pass('rich', rich_bytes, rich_expected);
expect_pass('empty_request', Buffer.alloc(0), { resource_spans: [] });
expect_pass('one_span', Req.encode(Req.fromObject({ resourceSpans: [{ scopeSpans: [{ spans: [one_span] }] }] })).finish(),
            one_expected);
expect_pass('one_span_wrapped_by_hand', wrap_span(one_span_bytes), one_expected);
expect_pass('fields_in_reverse_order', wrap_span(reversed_span_bytes), one_expected);
expect_pass('defaults_written_explicitly', defaults_bytes, defaults_expected);

// A changed value, in the expected JSON or in the body, is reported with its path.
const changed = clone(rich_expected);
changed.resource_spans[0].scope_spans[0].spans[0].attributes[2].value.int = '-9007199254740992';
expect_fail('changed_int_in_expected', rich_bytes, changed,
            ['resource_spans[0].scope_spans[0].spans[0].attributes[2].value.int', '-9007199254740992']);
const renamed = clone(rich_input);
renamed.resourceSpans[0].scopeSpans[0].spans[0] = Object.assign({}, rich_input.resourceSpans[0].scopeSpans[0].spans[0],
                                                                { name: 'GET /temp2' });
expect_fail('changed_name_in_body', Req.encode(Req.fromObject(renamed)).finish(), rich_expected,
            ['resource_spans[0].scope_spans[0].spans[0].name', 'GET /temp2']);
const later = clone(rich_expected);
later.resource_spans[0].scope_spans[0].spans[0].end_time_unix_nano = '18446744073709551614';
expect_fail('changed_uint64_in_expected', rich_bytes, later,
            ['resource_spans[0].scope_spans[0].spans[0].end_time_unix_nano']);
const dbl = clone(rich_expected);
dbl.resource_spans[0].scope_spans[0].spans[0].attributes[5].value.double = 0.1 + 1e-17 * 2;
expect_fail('changed_double_in_expected', rich_bytes, dbl,
            ['resource_spans[0].scope_spans[0].spans[0].attributes[5].value.double']);
const no_status = clone(rich_expected);
delete no_status.resource_spans[1].scope_spans[0].spans[0].status;
expect_fail('expected_json_lacks_a_key', rich_bytes, no_status,
            ['resource_spans[1].scope_spans[0].spans[0].status: unexpected']);

// Bytes the official decoder does not understand are rejected even if the values match.
expect_fail('appended_unknown_field_99', Buffer.concat([rich_bytes, h('980601')]), rich_expected,
            ['field number 99', 'skipped it as unknown']);
expect_fail('unknown_field_17_inside_a_span', wrap_span(Buffer.concat([one_span_bytes, h('8d0101020304')])), one_expected,
            ['resource_spans[0].scope_spans[0].spans[0]: field number 17']);
expect_fail('truncated_by_one_byte', rich_bytes.subarray(0, rich_bytes.length - 1), rich_expected,
            [`the official decoder rejected the body (${rich_bytes.length - 1} bytes)`]);
expect_fail('name_sent_as_varint', wrap_span(Buffer.concat([one_span_bytes, h('2801')])), one_expected,
            ['the official decoder rejected the body']);
expect_fail('name_written_twice', wrap_span(Buffer.concat([one_span_bytes, Span.encode({ name: 'sample' }).finish()])),
            one_expected, ['resource_spans[0].scope_spans[0].spans[0].name: singular field appears 2 times']);
// protobufjs reads c3 28 as "\u00e8" without complaint; the wire walk must still object.
expect_fail('name_not_utf8', wrap_span(Buffer.concat([Span.encode({ traceId: h(T1), spanId: h(S2) }).finish(),
                                                            len_field(5, h('73616d706c65c328'))])),
            { resource_spans: [{ resource: empty_resource(), schema_url: '', scope_spans: [{ scope: empty_scope(), schema_url: '',
              spans: [norm_span({ trace_id: T1, span_id: S2, name: 'sample\u00e8' })] }] }] },
            ['resource_spans[0].scope_spans[0].spans[0].name: the official decoder read', 'must hold valid UTF-8']);

// Array values are compared element by element.
const arr = clone(one_expected);
arr.resource_spans[0].scope_spans[0].spans[0].attributes.push(
  { key: 'list', value: { array: [{ string: 'x' }, { int: '7' }] } });
const arr_span = Object.assign({}, one_span, { attributes: one_span.attributes.concat(
  [{ key: 'list', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 7 }] } } }]) });
const arr_bytes = wrap_span(Span.encode(Span.fromObject(arr_span)).finish());
expect_pass('array_value_attribute', arr_bytes, arr);
const arr_wrong = clone(arr);
arr_wrong.resource_spans[0].scope_spans[0].spans[0].attributes[2].value.array[1] = { int: '8' };
expect_fail('array_value_element_differs', arr_bytes, arr_wrong,
            ['resource_spans[0].scope_spans[0].spans[0].attributes[2].value.array[1].int']);
// Data the normalized form cannot express must not pass silently.
const kvl = clone(one_expected);
kvl.resource_spans[0].scope_spans[0].spans[0].attributes.push({ key: 'map', value: {} });
const kvl_span = Object.assign({}, one_span, { attributes: one_span.attributes.concat(
  [{ key: 'map', value: { kvlistValue: { values: [{ key: 'k', value: { stringValue: 'x' } }] } } }]) });
expect_fail('kvlist_value_attribute', wrap_span(Span.encode(Span.fromObject(kvl_span)).finish()), kvl,
            ['resource_spans[0].scope_spans[0].spans[0].attributes[2].value.kvlist_value']);
const two_members = Buffer.concat([AnyValue.encode({ stringValue: 'a' }).finish(), AnyValue.encode({ intValue: 5 }).finish()]);
const kv_bytes = Buffer.concat([len_field(1, Buffer.from('k')), len_field(2, two_members)]);
const two_span = Buffer.concat([Span.encode(Span.fromObject({ traceId: h(T1), spanId: h(S1) })).finish(), len_field(9, kv_bytes)]);
const two_expected = { resource_spans: [{ resource: empty_resource(), schema_url: '', scope_spans: [{ scope: empty_scope(),
  schema_url: '', spans: [norm_span({ trace_id: T1, span_id: S1, attributes: [{ key: 'k', value: { int: '5' } }] })] }] }] };
expect_fail('anyvalue_with_two_oneof_members', wrap_span(two_span), two_expected,
            ['attributes[0].value: more than one member of the oneof']);
const res_bytes = Resource.encode(Resource.fromObject({ entityRefs: [{ type: 'host', idKeys: ['host.id'] }] })).finish();
expect_fail('resource_entity_refs', len_field(1, len_field(1, res_bytes)),
            { resource_spans: [{ resource: empty_resource(), schema_url: '', scope_spans: [] }] },
            ['resource_spans[0].resource.entity_refs']);

// Bad invocations are usage errors (exit 2), not passes.
{
  n_case += 1;
  const [bin] = write_case('bad_json', rich_bytes, '{ not json');
  const r = spawnSync(process.execPath, [checker, bin, path.join(work, 'bad_json.json')], { encoding: 'utf8' });
  if (r.status === 2) console.log('ok   bad_json: unreadable expected.json is exit 2');
  else { failures += 1; console.log(`FAIL bad_json: exit ${r.status}\n${r.stdout}${r.stderr}`); }
}

// Every truncation point of the rich request fails (in-process: one decode per cut).
{
  n_case += 1;
  let passed = [];
  for (let cut = 0; cut < rich_bytes.length; ++cut) {
    if (check_request(rich_bytes.subarray(0, cut), rich_expected).ok) passed.push(cut);
  }
  if (passed.length === 0 && check_request(rich_bytes, rich_expected).ok) {
    console.log(`ok   every_truncation: all ${rich_bytes.length} shorter prefixes of 'rich' are rejected, the full body passes`);
  } else {
    failures += 1;
    console.log(`FAIL every_truncation: prefixes accepted at lengths ${passed.slice(0, 20).join(', ')}`);
  }
}

if (failures) {
  console.log(`FAILED: ${failures} of ${n_case} check_request.js self-test cases behaved wrongly (files in ${work})`);
  process.exitCode = 1;
} else {
  console.log(`PASSED: ${n_case} check_request.js self-test cases (files in ${work})`);
}
