#!/usr/bin/env node
'use strict';
// proto_selftest.js <proto_dir> [work_dir]
//
// Proves that check_proto.js can fail: it copies our .proto files, breaks one thing at a time
// (a field number, a scalar type, signedness, a name, an enum value, repeated-ness, an extra
// field, a message name) and requires check_proto.js to exit 1 with a line naming that message
// and field. The unmodified copy must pass.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawnSync } = require('child_process');

const proto_dir = path.resolve(process.argv[2] || path.join(__dirname, '..', '..', 'src', 'otlp', 'proto'));
const work = path.resolve(process.argv[3] || fs.mkdtempSync(path.join(os.tmpdir(), 'otlp-proto-selftest-')));
const checker = path.join(__dirname, 'check_proto.js');

const TRACE = 'opentelemetry/proto/trace/v1/trace.proto';
const COMMON = 'opentelemetry/proto/common/v1/common.proto';
const RESOURCE = 'opentelemetry/proto/resource/v1/resource.proto';
const SERVICE = 'opentelemetry/proto/collector/trace/v1/trace_service.proto';

// [name, file, pattern, replacement, text check_proto.js must print]
const kMutations = [
  ['span_flags_number', TRACE, /(fixed32\s+flags\s*=\s*)16\b/, '$117',
   'message opentelemetry.proto.trace.v1.Span: field flags = 17: the official opentelemetry.proto.trace.v1.Span has no field number 17; officially flags is field 16'],
  ['start_time_varint', TRACE, /fixed64(\s+start_time_unix_nano\b)/, 'uint64$1',
   'field start_time_unix_nano = 7: ours is uint64, but the official encoder writes field 7 as fixed64'],
  ['int_value_unsigned', COMMON, /\bint64(\s+int_value\b)/, 'uint64$1',
   'message opentelemetry.proto.common.v1.AnyValue: field int_value = 3: ours is uint64, but the official encoder writes field 3 as int64'],
  ['link_flags_signed', TRACE, /(message\s+Link\s*\{[^}]*?)fixed32(\s+flags\b)/, '$1sfixed32$2',
   'message opentelemetry.proto.trace.v1.Span.Link: field flags = 6: ours is sfixed32, but the official encoder writes field 6 as fixed32'],
  ['double_as_float', COMMON, /\bdouble(\s+double_value\b)/, 'float$1',
   'field double_value = 4: ours is float, but the official encoder writes field 4 as double'],
  ['times_swapped', TRACE, /(start_time_unix_nano\s*=\s*)7(;[\s\S]*?end_time_unix_nano\s*=\s*)8\b/, '$18$27',
   'field start_time_unix_nano = 8: officially field 8 is named end_time_unix_nano'],
  ['status_code_value', TRACE, /(STATUS_CODE_ERROR\s*=\s*)2\b/, '$13',
   'enum opentelemetry.proto.trace.v1.Status.StatusCode: value STATUS_CODE_ERROR is 3 in ours, 2 officially'],
  ['span_kind_missing_value', TRACE, /\n\s*SPAN_KIND_CONSUMER\s*=\s*5;/, '',
   'official value SPAN_KIND_CONSUMER = 5 is missing from ours'],
  ['scope_spans_not_repeated', TRACE, /repeated(\s+ScopeSpans\s+scope_spans\b)/, '$1',
   'message opentelemetry.proto.trace.v1.ResourceSpans: field scope_spans = 2: ours is not repeated, the official field is repeated'],
  ['resource_extra_field', RESOURCE, /(uint32\s+dropped_attributes_count\s*=\s*2;)/, '$1\n  uint32 extra = 9;',
   'message opentelemetry.proto.resource.v1.Resource: field extra = 9: the official opentelemetry.proto.resource.v1.Resource has no field number 9'],
  ['scope_field_renamed', COMMON, /(string\s+)version(\s*=\s*2;)/, '$1release$2',
   'message opentelemetry.proto.common.v1.InstrumentationScope: field release = 2: officially field 2 is named version'],
  ['rejected_spans_int32', SERVICE, /\bint64(\s+rejected_spans\b)/, 'int32$1',
   'field rejected_spans = 1: ours is int32, but the official encoder writes field 1 as int64'],
  ['link_renamed', TRACE, /message\s+Link\s*\{([\s\S]*?)repeated\s+Link\s+links/, 'message Linkx {$1repeated Linkx links',
   'message opentelemetry.proto.trace.v1.Span.Linkx: no official message has this full name'],
];

function copy_protos(dest) {
  fs.rmSync(dest, { recursive: true, force: true });
  fs.cpSync(proto_dir, dest, { recursive: true });
}

function run(dir) {
  const r = spawnSync(process.execPath, [checker, dir], { encoding: 'utf8' });
  return { status: r.status, out: (r.stdout || '') + (r.stderr || '') };
}

fs.mkdirSync(work, { recursive: true });
let failures = 0;

const control = path.join(work, 'unmodified');
copy_protos(control);
const base = run(control);
if (base.status === 0) {
  console.log(`ok   unmodified: check_proto.js passes (${base.out.trim().split('\n').pop()})`);
} else {
  failures += 1;
  console.log(`FAIL unmodified: check_proto.js exited ${base.status} on an unmodified copy:\n${base.out}`);
}

for (const [name, file, pattern, replacement, must_say] of kMutations) {
  const dir = path.join(work, name);
  copy_protos(dir);
  const f = path.join(dir, file);
  const before = fs.readFileSync(f, 'utf8');
  const after = before.replace(pattern, replacement);
  if (after === before) {
    failures += 1;
    console.log(`FAIL ${name}: the mutation ${pattern} no longer matches ${file}; update proto_selftest.js`);
    continue;
  }
  fs.writeFileSync(f, after);
  const r = run(dir);
  if (r.status === 1 && r.out.includes(must_say)) {
    console.log(`ok   ${name}: rejected (exit 1) — ${must_say}`);
  } else {
    failures += 1;
    console.log(`FAIL ${name}: expected exit 1 with "${must_say}", got exit ${r.status}:\n${r.out}`);
  }
}

const total = kMutations.length + 1;
if (failures) {
  console.log(`FAILED: ${failures} of ${total} check_proto.js self-test cases behaved wrongly (copies in ${work})`);
  process.exitCode = 1;
} else {
  console.log(`PASSED: ${total} check_proto.js self-test cases (copies in ${work})`);
}
