'use strict';
// Loads the OFFICIAL OTLP message code and learns its schema by watching it work.
//
// The oracle is the protobufjs code generated from opentelemetry-proto that
// @opentelemetry/otlp-transformer 0.216.0 ships in build/src/generated/root.js (later versions
// dropped it). That file is static code with no reflection data, so field numbers, writer
// operations, repeated-ness, oneofs and nested types are all read off its behaviour: what its
// encoder writes for a one-field object, and what its fromObject() builds.
//
// The npm packages live in the build tree (see tests/otlp/tests.cmake); they are found through
// NODE_PATH, or through a node_modules folder above this file.

const fs = require('fs');
const path = require('path');

const kTransformer = '@opentelemetry/otlp-transformer';
const kTransformerVersion = '0.216.0';
const kRootJs = 'build/src/generated/root.js';

// Folders that may hold node_modules packages, in the order Node itself would try them.
function module_dirs() {
  const dirs = [];
  for (const d of (process.env.NODE_PATH || '').split(path.delimiter)) if (d) dirs.push(path.resolve(d));
  for (const d of module.paths) dirs.push(d);
  return dirs;
}

let loaded = null;
let loaded_logs = null;

// The logs messages (opentelemetry.proto.logs.v1, opentelemetry.proto.collector.logs.v1) are
// missing from 0.216.0's root.js; 0.214.0 is the last release whose generated root.js has them.
// It is installed under the npm alias below and loaded as a root of its own: both generated
// files register themselves as protobufjs's "default" root, so loading one into the other's
// protobufjs would overwrite same-named types (see load_logs()).
const kLogsAlias = 'otlp-transformer-logs';
const kLogsVersion = '0.214.0';
const kLogsPackages = ['opentelemetry.proto.logs.', 'opentelemetry.proto.collector.logs.'];

// True when a full message or enum name belongs to the logs definitions.
function is_logs_name(dotted) {
  return kLogsPackages.some((p) => dotted.startsWith(p));
}

// Like load(), for the logs root: {root, Long, transformer_version}. Exits with a fix on failure.
function load_logs() {
  if (loaded_logs) return loaded_logs;
  load();  // the traces root first, kept out of the way below
  let pkg_dir = null;
  for (const d of module_dirs()) {
    const candidate = path.join(d, kLogsAlias);
    if (fs.existsSync(path.join(candidate, 'package.json'))) { pkg_dir = candidate; break; }
  }
  if (!pkg_dir) {
    console.error(`error: ${kLogsAlias} (npm:${kTransformer}@${kLogsVersion}) is not installed where node can ` +
                  `find it. Run 'npm ci' with tests/otlp/package-lock.json (ctest's otlp_npm_ci does).`);
    process.exit(2);
  }
  const version = JSON.parse(fs.readFileSync(path.join(pkg_dir, 'package.json'), 'utf8')).version;
  if (version !== kLogsVersion) {
    console.error(`error: ${kLogsAlias} is ${kTransformer}@${version}, but the logs checks need exactly ${kLogsVersion}.`);
    process.exit(2);
  }
  const root_js = path.join(pkg_dir, kRootJs);
  const minimal = require(require.resolve('protobufjs/minimal', { paths: [path.dirname(root_js)] }));
  // If both generated files resolve the same protobufjs, the second would add its types into
  // the first one's "default" root: hand it an empty slot, then put the first one back.
  const kept = minimal.roots['default'];
  delete minimal.roots['default'];
  const root = require(root_js);
  if (kept !== undefined) minimal.roots['default'] = kept;
  if (root === loaded.root) {
    console.error('error: the logs root.js came back as the traces root; the two must stay separate.');
    process.exit(2);
  }
  loaded_logs = { root, Long: minimal.util.Long, transformer_version: version };
  return loaded_logs;
}

// Returns {root, protobuf, Long, node_modules, transformer_version}. `root` is the official
// generated namespace (root.opentelemetry.proto...), `protobuf` the full protobufjs library
// from the same node_modules (for loading our .proto files). Exits with a fix on failure.
function load() {
  if (loaded) return loaded;
  let pkg_dir = null;
  for (const d of module_dirs()) {
    const candidate = path.join(d, kTransformer);
    if (fs.existsSync(path.join(candidate, 'package.json'))) { pkg_dir = candidate; break; }
  }
  if (!pkg_dir) {
    console.error(`error: ${kTransformer} is not installed where node can find it.\n` +
                  `  Install the pinned packages: copy tests/otlp/package.json and package-lock.json to a\n` +
                  `  folder, run 'npm ci' there, and set NODE_PATH=<that folder>/node_modules.\n` +
                  `  (ctest does this itself in <build>/otlp_node through the test otlp_npm_ci.)`);
    process.exit(2);
  }
  const version = JSON.parse(fs.readFileSync(path.join(pkg_dir, 'package.json'), 'utf8')).version;
  if (version !== kTransformerVersion) {
    console.error(`error: found ${kTransformer}@${version} in ${pkg_dir}, but the checks need exactly ` +
                  `${kTransformerVersion} (the last version shipping ${kRootJs}). Run 'npm ci' with ` +
                  `tests/otlp/package-lock.json.`);
    process.exit(2);
  }
  const node_modules = path.dirname(path.dirname(pkg_dir));
  const root_js = path.join(pkg_dir, kRootJs);
  const root = require(root_js);
  // The generated code uses protobufjs/minimal as resolved from its own folder; our reflection
  // loader must come from the same installation so that both share one Long implementation.
  const minimal = require(require.resolve('protobufjs/minimal', { paths: [path.dirname(root_js)] }));
  const protobuf = require(path.join(node_modules, 'protobufjs'));
  const Long = minimal.util.Long;
  if (!Long || protobuf.util.Long !== Long) {
    console.error('error: protobufjs has no shared Long support here (package "long" missing?); ' +
                  '64-bit values could lose precision. Run npm ci with tests/otlp/package-lock.json.');
    process.exit(2);
  }
  loaded = { root, protobuf, Long, node_modules, transformer_version: version };
  return loaded;
}

// The writer operations the generated encoders call. A spy writer records them.
const kWriterOps = ['uint32', 'int32', 'sint32', 'uint64', 'int64', 'sint64', 'fixed32', 'sfixed32',
                    'fixed64', 'sfixed64', 'bool', 'float', 'double', 'string', 'bytes', 'fork',
                    'ldelim', 'raw'];

// Runs the official encoder `Ctor.encode(obj)` against a writer that only records calls.
// Returns [[op, arg], ...].
function spy_encode(Ctor, obj) {
  const calls = [];
  const spy = {};
  for (const op of kWriterOps) spy[op] = (arg) => { calls.push([op, arg]); return spy; };
  Ctor.encode(obj, spy);
  return calls;
}

class FirstTag { constructor(tag) { this.tag = tag; } }

// The tag (field number << 3 | wire type) the official encoder writes first for `{[prop]: value}`.
// Stops at that first write, so it costs nothing for large nested values.
function first_tag(Ctor, prop, value) {
  const spy = {};
  for (const op of kWriterOps) spy[op] = () => spy;
  spy.uint32 = (v) => { throw new FirstTag(v); };
  try {
    Ctor.encode({ [prop]: value }, spy);
  } catch (e) {
    if (e instanceof FirstTag) return e.tag;
    throw e;
  }
  return null;  // nothing written: an empty repeated field or map
}

function is_message_ctor(x) {
  return typeof x === 'function' && typeof x.encode === 'function' &&
         typeof x.decode === 'function' && typeof x.getTypeUrl === 'function';
}

// A decoded message instance (not a Long, not bytes).
function is_message(v) {
  return v !== null && typeof v === 'object' && !(v instanceof Uint8Array) &&
         v.constructor && is_message_ctor(v.constructor);
}

function full_name(Ctor) {
  return Ctor.getTypeUrl('').replace(/^\//, '');
}

// Walks `root` along a dotted name ("opentelemetry.proto.trace.v1.Span.SpanKind").
function lookup(root, dotted) {
  let node = root;
  for (const part of dotted.split('.')) {
    if (node === null || node === undefined || !Object.prototype.hasOwnProperty.call(node, part)) return null;
    node = node[part];
  }
  return node;
}

// An official enum is a plain object of NAME -> number (its id -> NAME map is the prototype).
function enum_values(obj) {
  if (obj === null || typeof obj !== 'object' || is_message_ctor(obj)) return null;
  const out = {};
  const keys = Object.keys(obj);
  if (keys.length === 0) return null;
  for (const k of keys) {
    if (typeof obj[k] !== 'number') return null;
    out[k] = obj[k];
  }
  return out;
}

// Names of oneofs: the generated code defines each as a getter on the prototype.
function oneof_names(Ctor) {
  const names = [];
  for (const k of Object.getOwnPropertyNames(Ctor.prototype)) {
    const d = Object.getOwnPropertyDescriptor(Ctor.prototype, k);
    if (d && typeof d.get === 'function') names.push(k);
  }
  return names;
}

const probe_cache = new Map();

// Learns one official message type from behaviour. Returns
// { name, ctor, fields: Map(number -> {prop, number, wire_type, op, repeated, packed, oneof, ctor}) }
// where `op` is the writer operation the official encoder uses for the value ('string',
// 'fixed64', ..., 'message' for a nested message; enums are written as 'int32').
function probe(Ctor) {
  if (probe_cache.has(Ctor)) return probe_cache.get(Ctor);
  const info = { name: full_name(Ctor), ctor: Ctor, fields: new Map() };
  probe_cache.set(Ctor, info);
  const oneofs = oneof_names(Ctor);
  for (const prop of Object.keys(Ctor.prototype)) {
    const dflt = Ctor.prototype[prop];
    if (typeof dflt === 'function') continue;  // toJSON and friends
    const repeated = Array.isArray(dflt);
    const sample = repeated ? [{}] : {};
    const calls = spy_encode(Ctor, { [prop]: sample });
    if (calls.length < 2 || calls[0][0] !== 'uint32') {
      throw new Error(`${info.name}.${prop}: cannot learn how the official encoder writes it ` +
                      `(calls: ${JSON.stringify(calls.map((c) => c[0]))})`);
    }
    const tag = calls[0][1];
    const f = { prop, number: tag >>> 3, wire_type: tag & 7, repeated, packed: false, oneof: null,
                op: calls[1][0], ctor: null };
    if (f.op === 'fork') {
      if (calls.length > 2 && calls[2][0] !== 'ldelim' && calls[2][0] !== 'uint32') {
        f.packed = true;           // fork, <scalar op>..., ldelim
        f.op = calls[2][0];
      } else {
        f.op = 'message';
        const built = Ctor.fromObject({ [prop]: sample })[prop];
        const inst = repeated ? built[0] : built;
        f.ctor = inst.constructor;
      }
    }
    for (const o of oneofs) {
      const inst = new Ctor();
      inst[prop] = repeated ? [] : (f.op === 'message' ? new f.ctor() : 0);
      if (inst[o] === prop) f.oneof = o;
    }
    if (info.fields.has(f.number)) {
      throw new Error(`${info.name}: official encoder writes both ${info.fields.get(f.number).prop} and ${prop} as field ${f.number}`);
    }
    info.fields.set(f.number, f);
  }
  return info;
}

// camelCase (generated code) -> snake_case (.proto); OTLP field names are lowercase snake case.
function snake(name) {
  return name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

module.exports = { load, load_logs, is_logs_name, probe, first_tag, is_message, is_message_ctor, full_name, lookup,
                   enum_values, snake };
