'use strict';
// Shared by the interop drivers: child processes started and stopped by PID, command-line and
// exit plumbing, and the one normalized span form both directions compare in.
//
// Normalized span ("view"), the same whichever side produced it:
//   { trace_id, span_id, parent_span_id, trace_state, flags, name, kind,
//     start_time_unix_nano, end_time_unix_nano,            // decimal strings
//     attributes: { key: typed }, dropped_attributes_count,
//     events: [{ name, time_unix_nano, attributes, dropped_attributes_count }], dropped_events_count,
//     links: [{ trace_id, span_id, trace_state, flags, attributes, dropped_attributes_count }],
//     dropped_links_count, status: { code, message },
//     resource: { attributes, dropped_attributes_count }, scope: { name, version, attributes } }
// ids are lowercase hex ("" when absent), kind and status code are OTLP numbers, and a typed
// value is one of {string: s} {bool: b} {int: "<decimal>"} {double: n} {bytes: "<hex>"}
// {array: [typed...]} {kvlist: {key: typed}} or {} (no value). Attributes are maps: OTLP keys
// are unique, so a key that appears twice on the wire is reported, not silently merged.
//
// In an expected view a time may also be {min: "<ns>", max: "<ns>"}: tracelet reads its own
// clock, so its side knows a window (taken just before and just after the call), not the value.

const child_process = require('child_process');
const fs = require('fs');
const path = require('path');
const json_diff = require('../otlp/json_diff');

const { kind_of } = json_diff;

// ---- processes ----------------------------------------------------------------------------

function sleep(ms) { return new Promise((resolve) => setTimeout(resolve, ms)); }

// Splits an optional emulator prefix ("qemu-aarch64|-L|/usr/aarch64-linux-gnu") for programs
// built for another architecture (CMAKE_CROSSCOMPILING_EMULATOR).
function with_emulator(emulator, program, args) {
  const prefix = (emulator || '').split('|').filter((s) => s.length);
  if (prefix.length === 0) return [program, args];
  return [prefix[0], prefix.slice(1).concat([program], args)];
}

const live_children = new Set();

// For drivers: children still running when the driver exits (an uncaught error, or SIGTERM or
// SIGINT sent to the driver) are killed by PID, so no server outlives its test.
function kill_children_on_exit() {
  process.on('exit', () => {
    for (const c of live_children) kill_quietly(c.pid, 'SIGKILL');
  });
  for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(1));
}

function kill_quietly(pid, signal) {
  try {
    process.kill(pid, signal);
  } catch (e) {
    if (e.code !== 'ESRCH') throw e;  // already gone
  }
}

// A child started by a driver. Its output is copied to the driver's stderr, each line prefixed
// with `name`, and kept for error messages. stop() ends it by PID; nothing else kills it.
class Child {
  constructor(name, program, args, options = {}) {
    this.name = name;
    this.output = '';
    this.exit = null;  // {code, signal} once it has exited
    this.proc = child_process.spawn(program, args, {
      env: options.env || process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.proc.pid;
    live_children.add(this);
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (e) => {
        this.output += `cannot start ${program}: ${e.message}\n`;
        this.exit = { code: -1, signal: null };
        live_children.delete(this);
        resolve(this.exit);
      });
      // 'close', not 'exit': by then all of its output has been read.
      this.proc.on('close', (code, signal) => {
        if (!this.exit) this.exit = { code, signal };
        live_children.delete(this);
        resolve(this.exit);
      });
    });
    const copy = (stream) => {
      let partial = '';
      stream.on('data', (chunk) => {
        const text = partial + chunk.toString('utf8');
        const lines = text.split('\n');
        partial = lines.pop();
        for (const line of lines) {
          this.output += line + '\n';
          process.stderr.write(`[${name}] ${line}\n`);
        }
      });
      stream.on('end', () => {
        if (partial) {
          this.output += partial + '\n';
          process.stderr.write(`[${name}] ${partial}\n`);
        }
      });
    };
    copy(this.proc.stdout);
    copy(this.proc.stderr);
  }

  running() { return this.exit === null; }

  // Waits up to `timeout_ms` for the child to exit by itself; kills it (by PID) if it does not.
  async wait(timeout_ms) {
    if (await this.exited_within(timeout_ms)) return this.exit;
    kill_quietly(this.pid, 'SIGKILL');
    await this.exited;
    throw new Error(`${this.name} (pid ${this.pid}) did not finish within ${timeout_ms} ms; killed`);
  }

  // True once the child has exited, false if `timeout_ms` passed first. The timer is cleared
  // either way, so it never keeps the driver alive.
  async exited_within(timeout_ms) {
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve(false), timeout_ms); });
    const done = await Promise.race([this.exited.then(() => true), timeout]);
    clearTimeout(timer);
    return done;
  }

  // SIGTERM by PID, then SIGKILL if it has not exited within `timeout_ms`. Returns {code, signal}
  // and whether SIGKILL was needed.
  async stop(timeout_ms = 5000) {
    if (!this.running()) return { ...this.exit, killed: false };
    kill_quietly(this.pid, 'SIGTERM');
    if (await this.exited_within(timeout_ms)) return { ...this.exit, killed: false };
    kill_quietly(this.pid, 'SIGKILL');
    await this.exited;
    return { ...this.exit, killed: true };
  }
}

// Runs a program to completion; returns {code, signal, output}. Throws on timeout.
async function run(name, program, args, options = {}) {
  const child = new Child(name, program, args, options);
  const exit = await child.wait(options.timeout_ms || 60000);
  return { ...exit, output: child.output };
}

// Waits until `file` holds a port number (written by a server once it listens). Fails early
// if `child` exits first.
async function wait_for_port(file, child, timeout_ms = 15000) {
  const deadline = Date.now() + timeout_ms;
  while (Date.now() < deadline) {
    if (!child.running()) {
      throw new Error(`${child.name} exited (${JSON.stringify(child.exit)}) before writing ${file}`);
    }
    try {
      const text = fs.readFileSync(file, 'utf8').trim();
      if (/^[0-9]+$/.test(text)) {
        const port = Number(text);
        if (port > 0 && port < 65536) return port;
      }
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
    }
    await sleep(20);
  }
  throw new Error(`${child.name} did not write its port to ${file} within ${timeout_ms} ms`);
}

// A fresh, empty work folder (the previous run's files could otherwise be read by mistake).
function fresh_dir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return path.resolve(dir);
}

// `tracelet-receiver --make-ca dir` (through `emulator` when given): a fresh CA and a server
// certificate for 127.0.0.1. Throws if it fails.
async function make_ca(emulator, receiver, dir) {
  const made = await run('make-ca', ...with_emulator(emulator, receiver, ['--make-ca', dir]), { timeout_ms: 60000 });
  if (made.code !== 0) throw new Error(`tracelet-receiver --make-ca failed (${JSON.stringify(made)})`);
}

// Child.stop(), and a log line saying how the child (called `label` there) ended.
async function stop_and_log(child, label) {
  const stopped = await child.stop();
  console.log(`${label} pid ${child.pid} stopped: exit ${stopped.code} signal ${stopped.signal}` +
              (stopped.killed ? ' (needed SIGKILL)' : ''));
  return stopped;
}

// ---- command lines and exit -----------------------------------------------------------------

// Parses "--flag value" pairs over `defaults`. Only the flags listed in `flags` are allowed and
// each needs a value; the result is keyed by the flag without "--", dashes made underscores
// ("--port-file" -> port_file). Returns null on anything else.
function parse_flags(argv, flags, defaults = {}) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i];
    if (!flags.includes(k) || i + 1 >= argv.length) return null;
    out[k.slice(2).replace(/-/g, '_')] = argv[i + 1];
  }
  return out;
}

// Prints every problem; the driver's exit status: 0 when there are none, else 1.
function report(problems) {
  if (problems.length === 0) return 0;
  console.log(`FAIL: ${problems.length} problem(s):`);
  for (const p of problems) console.log(`  ${p}`);
  return 1;
}

// Runs the async `main` on the command line; its result is the exit status, and an exception
// is printed (prefixed with `name`) and exits 1.
function run_main(name, main) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code; },
                                   (e) => { console.error(`${name}: ${e.stack || e}`); process.exitCode = 1; });
}

// ---- typed values -------------------------------------------------------------------------

// OTLP/JSON shaped AnyValue ({"stringValue": ..}, as tracelet-receiver's --jsonl writes it).
function typed_from_otlp_json(v, where, problems) {
  const keys = Object.keys(v || {});
  if (keys.length === 0) return {};
  if (keys.length > 1) problems.push(`${where}: more than one value member: ${keys.join(', ')}`);
  const k = keys[0];
  const x = v[k];
  switch (k) {
    case 'stringValue': return { string: x };
    case 'boolValue': return { bool: x };
    case 'intValue': return { int: String(x) };
    case 'doubleValue': return { double: typeof x === 'number' ? x : String(x) };
    case 'bytesValue': return { bytes: x };
    case 'arrayValue':
      return { array: (x.values || []).map((e, i) => typed_from_otlp_json(e, `${where}[${i}]`, problems)) };
    case 'kvlistValue': return { kvlist: attributes_from_list(x.values || [], where, problems,
                                                               (a, w) => typed_from_otlp_json(a, w, problems)) };
    default:
      problems.push(`${where}: unknown value member ${k}`);
      return { unknown: x };
  }
}

// [{key, value}] -> {key: typed}; a duplicate key is a problem (OTLP keys are unique).
function attributes_from_list(list, where, problems, convert) {
  const out = {};
  for (let i = 0; i < list.length; ++i) {
    const { key, value } = list[i];
    if (Object.prototype.hasOwnProperty.call(out, key)) {
      problems.push(`${where}: attribute key ${JSON.stringify(key)} appears more than once`);
      continue;
    }
    out[key] = convert(value, `${where}.${key}`);
  }
  return out;
}

// One line of tracelet-receiver's --jsonl output -> normalized view.
function view_from_receiver_line(s, where, problems) {
  const attrs = (list, w) => attributes_from_list(list || [], w, problems,
                                                  (v, ww) => typed_from_otlp_json(v, ww, problems));
  return {
    trace_id: s.trace_id,
    span_id: s.span_id,
    parent_span_id: s.parent_span_id,
    trace_state: s.trace_state,
    flags: s.flags,
    name: s.name,
    kind: s.kind,
    start_time_unix_nano: s.start_time_unix_nano,
    end_time_unix_nano: s.end_time_unix_nano,
    attributes: attrs(s.attributes, `${where}.attributes`),
    dropped_attributes_count: s.dropped_attributes_count,
    events: (s.events || []).map((e, i) => ({
      name: e.name,
      time_unix_nano: e.time_unix_nano,
      attributes: attrs(e.attributes, `${where}.events[${i}].attributes`),
      dropped_attributes_count: e.dropped_attributes_count,
    })),
    dropped_events_count: s.dropped_events_count,
    links: (s.links || []).map((l, i) => ({
      trace_id: l.trace_id,
      span_id: l.span_id,
      trace_state: l.trace_state,
      flags: l.flags,
      attributes: attrs(l.attributes, `${where}.links[${i}].attributes`),
      dropped_attributes_count: l.dropped_attributes_count,
    })),
    dropped_links_count: s.dropped_links_count,
    status: { code: s.status.code, message: s.status.message },
    resource: {
      attributes: attrs(s.resource.attributes, `${where}.resource.attributes`),
      dropped_attributes_count: s.resource.dropped_attributes_count,
    },
    scope: { name: s.scope.name, version: s.scope.version,
             attributes: attrs(s.scope.attributes, `${where}.scope.attributes`) },
  };
}

// ---- comparison ---------------------------------------------------------------------------

function show(v) { return json_diff.show(v, 200); }

function is_window(v) {
  return kind_of(v) === 'object' && Object.keys(v).length === 2 &&
         typeof v.min === 'string' && typeof v.max === 'string';
}

// Appends "path: expected X, got Y" for every difference. Objects must have exactly the same
// keys; arrays are compared item by item; a {min, max} window accepts a decimal string inside it.
function diff(expected, actual, where, out) {
  if (is_window(expected) && typeof actual === 'string' && /^[0-9]+$/.test(actual)) {
    const v = BigInt(actual);
    if (v < BigInt(expected.min) || v > BigInt(expected.max)) {
      out.push(`${where}: expected within [${expected.min}, ${expected.max}], got ${actual}`);
    }
    return out;
  }
  const ke = kind_of(expected);
  const ka = kind_of(actual);
  if (ke !== ka) {
    out.push(`${where}: expected ${show(expected)}, got ${show(actual)}`);
    return out;
  }
  if (ke === 'array') {
    if (expected.length !== actual.length) {
      out.push(`${where}: expected ${expected.length} items, got ${actual.length}: ${show(actual)}`);
    }
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; ++i) diff(expected[i], actual[i], `${where}[${i}]`, out);
    return out;
  }
  if (ke === 'object') {
    for (const k of Object.keys(expected)) {
      if (!Object.prototype.hasOwnProperty.call(actual, k)) {
        out.push(`${where}.${k}: missing, expected ${show(expected[k])}`);
      } else {
        diff(expected[k], actual[k], `${where}.${k}`, out);
      }
    }
    for (const k of Object.keys(actual)) {
      if (!Object.prototype.hasOwnProperty.call(expected, k)) {
        out.push(`${where}.${k}: unexpected, got ${show(actual[k])}`);
      }
    }
    return out;
  }
  if (expected !== actual) out.push(`${where}: expected ${show(expected)}, got ${show(actual)}`);
  return out;
}

// Compares expected views with received ones (any order). Every expected span must arrive
// exactly once, nothing else may arrive, and each must match field by field.
// Returns {problems: [...], stats: {...}}.
function compare_views(expected, received) {
  const problems = [];
  const by_id = new Map();
  for (const r of received) {
    const list = by_id.get(r.view.span_id) || [];
    list.push(r);
    by_id.set(r.view.span_id, list);
  }
  const stats = { spans: 0, attributes: {}, events: 0, event_attributes: 0, links: 0,
                  resource_attributes: 0, timestamps: 0, ranged_timestamps: 0 };
  const count_typed = (t) => {
    const k = Object.keys(t)[0] || 'empty';
    stats.attributes[k] = (stats.attributes[k] || 0) + 1;
  };
  const count_time = (t) => { stats.timestamps += 1; if (is_window(t)) stats.ranged_timestamps += 1; };
  if (received.length === 0) {
    problems.push(`none of the ${expected.length} spans arrived`);
    return { problems, stats };
  }
  for (const e of expected) {
    const got = by_id.get(e.span_id) || [];
    if (got.length !== 1) {
      problems.push(`span ${e.name} (${e.span_id}): arrived ${got.length} times, expected exactly once` +
                    (got.length ? ` (in ${got.map((g) => g.where).join(', ')})` : ''));
    }
    if (got.length === 0) continue;
    stats.spans += 1;
    diff(e, got[0].view, `span ${e.name}`, problems);
    Object.values(e.attributes).forEach(count_typed);
    stats.resource_attributes = Object.keys(e.resource.attributes).length;
    count_time(e.start_time_unix_nano);
    count_time(e.end_time_unix_nano);
    for (const ev of e.events) {
      stats.events += 1;
      stats.event_attributes += Object.keys(ev.attributes).length;
      count_time(ev.time_unix_nano);
    }
    stats.links += e.links.length;
  }
  const wanted = new Set(expected.map((e) => e.span_id));
  for (const [id, list] of by_id) {
    if (!wanted.has(id)) {
      problems.push(`unexpected span ${list[0].view.name} (${id}) arrived ${list.length} time(s)`);
    }
  }
  return { problems, stats };
}

// Proves the comparison is not vacuous: each mutation of the expected data must be reported.
function comparator_self_check(expected, received) {
  const mutations = [
    ['a changed attribute type', (x) => {
      const s = x.find((v) => Object.keys(v.attributes).length);
      const k = Object.keys(s.attributes)[0];
      const t = s.attributes[k];
      s.attributes[k] = 'int' in t ? { double: Number(t.int) } : { int: '1' };
    }],
    ['a moved start time', (x) => {
      const t = x[0].start_time_unix_nano;
      x[0].start_time_unix_nano = is_window(t) ? { min: '1', max: '2' } : String(BigInt(t) + 1n);
    }],
    ['a different parent id', (x) => {
      const s = x.find((v) => v.parent_span_id);
      s.parent_span_id = s.parent_span_id.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    }],
    ['a missing span', (x) => { x.push({ ...x[0], span_id: 'ffffffffffffffff' }); }],
    ['a changed resource attribute', (x) => { x[0].resource.attributes['service.name'] = { string: 'other' }; }],
  ];
  const failures = [];
  for (const [what, mutate] of mutations) {
    const copy = JSON.parse(JSON.stringify(expected));
    mutate(copy);
    if (compare_views(copy, received).problems.length === 0) failures.push(what);
  }
  return { checked: mutations.length, failures };
}

// compare_views, then (when no problem was found, before or by it) comparator_self_check.
// Appends every problem to `problems`; returns compare_views' stats.
function compare_and_self_check(expected, received, problems) {
  const result = compare_views(expected, received);
  problems.push(...result.problems);
  if (problems.length === 0) {
    const self = comparator_self_check(expected, received);
    if (self.failures.length) {
      problems.push(`comparison self-check: these mutations went unnoticed: ${self.failures.join(', ')}`);
    } else {
      console.log(`comparison self-check: all ${self.checked} deliberate mutations were detected`);
    }
  }
  return result.stats;
}

function summarize(stats) {
  const types = Object.entries(stats.attributes).map(([k, n]) => `${n} ${k}`).join(', ');
  return `${stats.spans} spans field by field: attributes (${types}), ${stats.events} events with ` +
         `${stats.event_attributes} attributes, ${stats.links} links, ${stats.resource_attributes} resource ` +
         `attributes per span, ${stats.timestamps} timestamps (${stats.ranged_timestamps} within a measured window)`;
}

module.exports = { sleep, with_emulator, kill_children_on_exit, Child, run, wait_for_port, fresh_dir, make_ca,
                   stop_and_log, parse_flags, report, run_main, typed_from_otlp_json, attributes_from_list,
                   view_from_receiver_line, diff, compare_views, comparator_self_check, compare_and_self_check,
                   summarize, is_window };
