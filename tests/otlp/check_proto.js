#!/usr/bin/env node
'use strict';
// check_proto.js [proto_dir]
//
// Proves that tracelet's own OTLP .proto subset (default: src/otlp/proto) agrees with the OFFICIAL
// OTLP definitions, the protobufjs code generated from opentelemetry-proto and shipped in
// @opentelemetry/otlp-transformer 0.216.0. For every message and enum we define:
//   1. structure, learned from the official code's behaviour (see official.js): the message exists
//      under the same full name; every field of ours has the same number, name, wire type, writer
//      operation (scalar type), repeated-ness, oneof and nested message type; enum fields map every
//      value to the same official name; enums have exactly the official values.
//   2. ours -> official: fully populated instances (every field non-default, chosen so that a
//      wrong signedness or width shows; nested messages filled; repeated fields with 2 items; one
//      variant per oneof member) are encoded with OUR definitions, decoded with the official code,
//      walked so that no byte was unknown, re-encoded officially (must be byte-identical) and
//      compared value by value.
//      Logs messages are checked the same way against 0.214.0's root.js (official.js: load_logs()).
//   3. official -> ours: fully populated official instances (including official fields we leave
//      out) are decoded with ours; our re-encoding must equal the official encoding of just the
//      fields we define, with the same values.
// Prints one line per message and enum; exits 1 on any mismatch, naming message and field.

const fs = require('fs');
const path = require('path');
const official = require('./official');
const { walk_understood, same_bytes, hex } = require('./wire');
const { diff } = require('./json_diff');

const kMaxLines = 8;  // mismatch lines printed per definition
const kMaxDepth = 5;  // recursion guard for generators (official AnyValue <-> ArrayValue is recursive)

function find_protos(dir) {
  const out = [];
  const visit = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) visit(r);
      else if (e.name.endsWith('.proto')) out.push(r);
    }
  };
  visit('');
  return out.sort();
}

function collect(ns, protobuf, types, enums) {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) types.push(n);
    else if (n instanceof protobuf.Enum) enums.push(n);
    if (n instanceof protobuf.Namespace) collect(n, protobuf, types, enums);
  }
}

// ---- value generation ------------------------------------------------------------------------

// Values are distinct and non-default, and each one exposes a wrong type: negative for signed
// kinds (an unsigned reader would differ), above 2^31/2^63 for unsigned kinds (a signed reader
// would differ), beyond 2^53 for 64-bit kinds (a lossy reader would differ), non-ASCII strings,
// bytes that are not UTF-8.
class Gen {
  constructor(Long) { this.Long = Long; this.n = 0; this.rot = new Map(); }
  next_rotation(key, count) {
    const r = this.rot.get(key) || 0;
    this.rot.set(key, r + 1);
    return r % count;
  }
  scalar(type, label) {
    const c = ++this.n;
    switch (type) {
      case 'double': return -(c + 0.1) * 1e12;
      case 'float': return c + 0.5;
      case 'int32': case 'sint32': case 'sfixed32': return -(100000 + c);
      case 'uint32': return 3000000000 + c;
      case 'fixed32': return 4000000000 + c;
      case 'int64': case 'sint64': case 'sfixed64':
        return this.Long.fromString((-(9007199254740993n + BigInt(c))).toString(), false);
      case 'uint64': case 'fixed64':
        return this.Long.fromString((18446744073709551615n - BigInt(c)).toString(), true);
      case 'bool': return true;
      case 'string': return `${label}#${c}-\u00e9\u2713`;
      case 'bytes': return Uint8Array.from([0x00, 0xff, c & 0xff, 0x80, 0xc3, 0x28]);
      default: throw new Error(`no generator for scalar type ${type}`);
    }
  }
}

// Plain comparable form. Longs and bytes become tagged strings so that a number never equals a
// Long of the same value (uint32 vs uint64 must differ). Keys are snake_case on both sides.
function plain(v) {
  if (v === null || v === undefined) return v;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Uint8Array) return `bytes ${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'object' && typeof v.low === 'number' && typeof v.high === 'number' && 'unsigned' in v) {
    return `long ${v.toString()}`;
  }
  if (typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x === null || x === undefined || typeof x === 'function') continue;
      if (Array.isArray(x) && x.length === 0) continue;
      out[official.snake(k)] = plain(x);
    }
    return out;
  }
  return v;
}

// ---- the checker -----------------------------------------------------------------------------

class Checker {
  constructor(protobuf, off_root, Long) {
    this.protobuf = protobuf;
    this.off = off_root;
    this.Long = Long;
    this.failures = 0;
  }

  our_kind(f) {
    if (f.resolvedType instanceof this.protobuf.Enum) return 'enum';
    if (f.resolvedType instanceof this.protobuf.Type) return 'message';
    return f.type;
  }

  expected_op(f) {
    const k = this.our_kind(f);
    return k === 'enum' ? 'int32' : k;
  }

  expected_wire_type(f) {
    const k = this.our_kind(f);
    if (k === 'message' || k === 'string' || k === 'bytes' || (f.repeated && f.packed)) return 2;
    return k === 'enum' ? 0 : this.protobuf.types.basic[k];
  }

  describe(f) {
    const k = this.our_kind(f);
    const t = k === 'enum' || k === 'message' ? `${k} ${f.resolvedType.fullName.slice(1)}` : k;
    return `${f.repeated ? 'repeated ' : ''}${t}`;
  }

  // 1. Structure, per field: appends to `errors`, and to `notes` the official fields we leave out.
  check_structure(T, Ctor, info, errors, notes) {
    const prop_of = new Map();
    for (const of of info.fields.values()) prop_of.set(official.snake(of.prop), of);
    for (const f of T.fieldsArray) {
      const where = `field ${f.name} = ${f.id}`;
      const of = info.fields.get(f.id);
      if (!of) {
        const same_name = prop_of.get(f.name);
        errors.push(`${where}: the official ${info.name} has no field number ${f.id}` +
                    (same_name ? `; officially ${f.name} is field ${same_name.number}` : ''));
        continue;
      }
      const off_name = official.snake(of.prop);
      if (off_name !== f.name) {
        errors.push(`${where}: officially field ${f.id} is named ${off_name}`);
      }
      const op = this.expected_op(f);
      if (of.op !== op) {
        errors.push(`${where}: ours is ${this.describe(f)}, but the official encoder writes field ${f.id} as ` +
                    `${of.op === 'message' ? `message ${official.full_name(of.ctor)}` : of.op}`);
      }
      const wt = this.expected_wire_type(f);
      if (of.wire_type !== wt) {
        errors.push(`${where}: ours uses wire type ${wt}, the official encoder tags it with wire type ${of.wire_type}`);
      }
      if (of.repeated !== f.repeated) {
        errors.push(`${where}: ours is ${f.repeated ? '' : 'not '}repeated, the official field is ${of.repeated ? '' : 'not '}repeated`);
      } else if (f.repeated && op !== 'message' && of.packed !== !!f.packed) {
        errors.push(`${where}: ours is ${f.packed ? '' : 'not '}packed, the official field is ${of.packed ? '' : 'not '}packed`);
      }
      if (op === 'message' && of.op === 'message') {
        const ours = f.resolvedType.fullName.slice(1);
        const theirs = official.full_name(of.ctor);
        if (ours !== theirs) errors.push(`${where}: ours holds ${ours}, the official field holds ${theirs}`);
      }
      const our_oneof = f.partOf ? f.partOf.name : null;
      const off_oneof = of.oneof ? official.snake(of.oneof) : null;
      if (our_oneof !== off_oneof) {
        errors.push(`${where}: ours is in oneof ${our_oneof || '(none)'}, the official field is in oneof ${off_oneof || '(none)'}`);
      }
      if (this.our_kind(f) === 'enum' && of.op === 'int32') {
        // Behaviour: our encoding of each enum value must decode officially to the same name.
        for (const [name, value] of Object.entries(f.resolvedType.values)) {
          const one = T.encode({ [f.name]: value }).finish();
          const got = Ctor.toObject(Ctor.decode(one), { enums: String, defaults: true })[of.prop];
          if (got !== name) {
            errors.push(`${where}: ours encodes ${name} as ${value}, which the official enum ` +
                        (typeof got === 'string' ? `calls ${got}` : 'has no name for'));
          }
        }
      }
    }
    const ours_ids = new Set(T.fieldsArray.map((f) => f.id));
    const extra = [...info.fields.values()].filter((of) => !ours_ids.has(of.number))
      .map((of) => `${official.snake(of.prop)}=${of.number}`);
    if (extra.length) notes.push(`official fields left out of tracelet's subset: ${extra.join(', ')}`);
    for (const r of T.reserved || []) {
      const ids = Array.isArray(r) ? r : null;
      if (!ids) continue;
      for (let id = ids[0]; id <= ids[1] && id < ids[0] + 64; ++id) {
        if (info.fields.has(id)) notes.push(`ours reserves ${id}; officially it is ${official.snake(info.fields.get(id).prop)}`);
      }
    }
  }

  // Fully populated plain object for one of OUR types. `variant` picks the member of each oneof
  // of the top-level type; nested oneofs rotate so repeated items cover every member.
  build_ours(T, gen, depth, variant) {
    const obj = {};
    const chosen = new Set();
    for (const o of T.oneofsArray) {
      const members = o.fieldsArray;
      const pick = variant !== undefined ? variant % members.length
                                         : gen.next_rotation(`ours ${o.fullName}`, members.length);
      chosen.add(members[pick]);
    }
    for (const f of T.fieldsArray) {
      if (f.partOf && !chosen.has(f)) continue;
      const one = () => {
        const k = this.our_kind(f);
        if (k === 'message') return depth < kMaxDepth ? this.build_ours(f.resolvedType, gen, depth + 1) : undefined;
        if (k === 'enum') {
          const vals = Object.values(f.resolvedType.values).filter((v) => v !== 0);
          return vals[gen.next_rotation(`enum ${f.resolvedType.fullName}`, vals.length)];
        }
        return gen.scalar(k, f.name);
      };
      const v = f.repeated ? [one(), one()] : one();
      if (v !== undefined && !(Array.isArray(v) && v.includes(undefined))) obj[f.name] = v;
    }
    return obj;
  }

  // Fully populated official instance, every official field (also those we leave out).
  build_official(info, gen, depth, variant, T) {
    const inst = new info.ctor();
    const picks = new Map();
    const fields = [...info.fields.values()].sort((a, b) => a.number - b.number);
    for (const of of fields) {
      if (of.oneof) {
        const members = fields.filter((x) => x.oneof === of.oneof);
        if (!picks.has(of.oneof)) {
          picks.set(of.oneof, variant !== undefined ? variant % members.length
                                                    : gen.next_rotation(`official ${info.name}.${of.oneof}`, members.length));
        }
        if (members[picks.get(of.oneof)] !== of) continue;
      }
      const ours_f = T ? T.fieldsById[of.number] : null;
      const one = () => {
        if (of.op === 'message') {
          if (depth >= kMaxDepth) return undefined;
          const nested_t = ours_f && ours_f.resolvedType instanceof this.protobuf.Type ? ours_f.resolvedType : null;
          return this.build_official(official.probe(of.ctor), gen, depth + 1, undefined, nested_t);
        }
        if (of.op === 'int32' && ours_f && ours_f.resolvedType instanceof this.protobuf.Enum) {
          const vals = Object.values(ours_f.resolvedType.values).filter((v) => v !== 0);
          return vals[gen.next_rotation(`enum ${ours_f.resolvedType.fullName}`, vals.length)];
        }
        return gen.scalar(of.op, official.snake(of.prop));
      };
      const v = of.repeated ? [one(), one()] : one();
      if (v !== undefined && !(Array.isArray(v) && v.includes(undefined))) inst[of.prop] = v;
    }
    return inst;
  }

  // Copy of an official instance keeping only the fields OUR type T defines (by number).
  restrict(inst, T) {
    const info = official.probe(inst.constructor);
    const by_prop = new Map([...info.fields.values()].map((of) => [of.prop, of]));
    const out = new info.ctor();
    for (const k of Object.keys(inst)) {
      const of = by_prop.get(k);
      const v = inst[k];
      if (!of || v === null || v === undefined) continue;
      const f = T.fieldsById[of.number];
      if (!f) continue;
      if (of.op === 'message' && f.resolvedType instanceof this.protobuf.Type) {
        out[k] = Array.isArray(v) ? v.map((x) => this.restrict(x, f.resolvedType)) : this.restrict(v, f.resolvedType);
      } else {
        out[k] = v;
      }
    }
    return out;
  }

  variants(n_members) { return Math.max(1, ...n_members); }

  // 2. ours -> official.
  forward(T, Ctor, errors) {
    const n = this.variants(T.oneofsArray.map((o) => o.fieldsArray.length));
    let bytes_total = 0;
    for (let variant = 0; variant < n; ++variant) {
      const gen = new Gen(this.Long);
      const obj = this.build_ours(T, gen, 0, variant);
      const bad = T.verify(obj);
      if (bad) throw new Error(`internal: generated ${T.fullName} is invalid for ours: ${bad}`);
      const bytes = T.encode(obj).finish();
      bytes_total += bytes.length;
      const tagv = n > 1 ? ` (variant ${variant})` : '';
      let dec;
      try {
        dec = Ctor.decode(bytes);
      } catch (e) {
        errors.push(`ours->official${tagv}: the official decoder rejected our encoding: ${e.message}`);
        continue;
      }
      const problems = [];
      walk_understood(bytes, dec, '', problems);
      for (const p of problems) errors.push(`ours->official${tagv}: ${p}`);
      const again = Ctor.encode(dec).finish();
      if (!same_bytes(again, bytes)) {
        errors.push(`ours->official${tagv}: official re-encoding differs: ours ${hex(bytes)} official ${hex(again)}`);
      }
      for (const d of diff(plain(obj), plain(dec), '', [])) errors.push(`ours->official${tagv}: value ${d}`);
    }
    return { variants: n, bytes: bytes_total };
  }

  // 3. official -> ours.
  reverse(T, info, errors) {
    const n = this.variants(
      [...new Set([...info.fields.values()].map((of) => of.oneof).filter(Boolean))]
        .map((o) => [...info.fields.values()].filter((of) => of.oneof === o).length));
    for (let variant = 0; variant < n; ++variant) {
      const gen = new Gen(this.Long);
      const inst = this.build_official(info, gen, 0, variant, T);
      const tagv = n > 1 ? ` (variant ${variant})` : '';
      const full = info.ctor.encode(inst).finish();
      let ours;
      try {
        ours = T.decode(full);
      } catch (e) {
        errors.push(`official->ours${tagv}: our decoder rejected the official encoding: ${e.message}`);
        continue;
      }
      const kept = this.restrict(inst, T);
      const want = info.ctor.encode(kept).finish();
      const got = T.encode(ours).finish();
      if (!same_bytes(want, got)) {
        errors.push(`official->ours${tagv}: our re-encoding differs from the official encoding of our fields: ` +
                    `official ${hex(want)} ours ${hex(got)}`);
      }
      for (const d of diff(plain(kept), plain(ours), '', [])) errors.push(`official->ours${tagv}: value ${d}`);
    }
    return { variants: n };
  }

  report(ok, what, summary, errors, notes) {
    console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${summary}`);
    // Round-trip problems repeat for every nested copy of a bad field; the first few name it.
    for (const e of errors.slice(0, kMaxLines)) console.log(`       MISMATCH ${what}: ${e}`);
    if (errors.length > kMaxLines) console.log(`       ... and ${errors.length - kMaxLines} more mismatch line(s) for ${what}`);
    for (const n of notes) console.log(`       note: ${n}`);
    if (!ok) this.failures += 1;
  }

  check_type(T) {
    const name = T.fullName.slice(1);
    const errors = [];
    const notes = [];
    const Ctor = official.lookup(this.off, name);
    if (!official.is_message_ctor(Ctor)) {
      this.report(false, `message ${name}`, 'no official message has this full name', [], []);
      return;
    }
    if (official.full_name(Ctor) !== name) {
      errors.push(`official type URL names it ${official.full_name(Ctor)}`);
    }
    const info = official.probe(Ctor);
    this.check_structure(T, Ctor, info, errors, notes);
    let fw, rv;
    try {
      fw = this.forward(T, Ctor, errors);
      rv = this.reverse(T, info, errors);
    } catch (e) {
      errors.push(`round trip could not run: ${e.stack || e.message}`);
    }
    const summary = `${T.fieldsArray.length} field(s) match in number, name, type and wire type; ` +
      (fw ? `ours->official ${fw.variants} full instance(s), ${fw.bytes} bytes: nothing unknown, ` +
            `byte-identical re-encoding, equal values; ` : '') +
      (rv ? `official->ours ${rv.variants} full instance(s): equal` : '');
    this.report(errors.length === 0, `message ${name}`, errors.length ? `${errors.length} mismatch(es)` : summary,
                errors, notes);
  }

  check_enum(E) {
    const name = E.fullName.slice(1);
    const errors = [];
    const theirs = official.enum_values(official.lookup(this.off, name));
    if (!theirs) {
      this.report(false, `enum ${name}`, 'no official enum has this full name', [], []);
      return;
    }
    for (const [k, v] of Object.entries(E.values)) {
      if (!(k in theirs)) errors.push(`value ${k} = ${v} does not exist officially`);
      else if (theirs[k] !== v) errors.push(`value ${k} is ${v} in ours, ${theirs[k]} officially`);
    }
    for (const [k, v] of Object.entries(theirs)) {
      if (!(k in E.values)) errors.push(`official value ${k} = ${v} is missing from ours`);
    }
    this.report(errors.length === 0, `enum ${name}`,
                errors.length ? `${errors.length} mismatch(es)` : `${Object.keys(E.values).length} values match`,
                errors, []);
  }
}

function main(argv) {
  const proto_dir = path.resolve(argv[0] || path.join(__dirname, '..', '..', 'src', 'otlp', 'proto'));
  if (!fs.existsSync(proto_dir)) {
    console.error(`error: proto folder ${proto_dir} does not exist`);
    return 2;
  }
  const files = find_protos(proto_dir);
  if (files.length === 0) {
    console.error(`error: no .proto files under ${proto_dir}`);
    return 2;
  }
  const { root: off_root, protobuf, Long, transformer_version } = official.load();
  const ours = new protobuf.Root();
  ours.resolvePath = (origin, target) => (path.isAbsolute(target) ? target : path.join(proto_dir, target));
  try {
    ours.loadSync(files, { keepCase: true });
    ours.resolveAll();
  } catch (e) {
    console.error(`error: protobufjs cannot load our .proto files: ${e.message}`);
    return 1;
  }
  console.log(`checking ${files.length} .proto file(s) under ${proto_dir} against the official OTLP code in ` +
              `@opentelemetry/otlp-transformer ${transformer_version}`);
  const types = [];
  const enums = [];
  collect(ours, protobuf, types, enums);
  const checker = new Checker(protobuf, off_root, Long);
  // Logs messages are checked against the 0.214.0 root (official.js: load_logs()).
  const is_logs = (D) => official.is_logs_name(D.fullName.slice(1));
  let logs_checker = null;
  if (types.some(is_logs) || enums.some(is_logs)) {
    const logs = official.load_logs();
    console.log(`logs definitions against the official OTLP code in @opentelemetry/otlp-transformer ` +
                `${logs.transformer_version} (installed as otlp-transformer-logs)`);
    logs_checker = new Checker(protobuf, logs.root, Long);
  }
  for (const T of types) (is_logs(T) ? logs_checker : checker).check_type(T);
  for (const E of enums) (is_logs(E) ? logs_checker : checker).check_enum(E);
  const total = types.length + enums.length;
  const failures = checker.failures + (logs_checker ? logs_checker.failures : 0);
  if (failures) {
    console.log(`FAILED: ${failures} of ${total} definitions (${types.length} messages, ${enums.length} enums) disagree with the official OTLP definitions`);
    return 1;
  }
  console.log(`PASSED: all ${types.length} messages and ${enums.length} enums agree with the official OTLP definitions`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
