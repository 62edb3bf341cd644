'use strict';
// Protobuf wire-format walking, used to prove that an official decoder understood every byte.
//
// The generated protobufjs decoders skip unknown field numbers silently, so "it decoded" proves
// little. walk_understood() parses the input bytes itself and, at every nesting level, maps each
// field number on the wire to the property the official decoder filled (learned by asking the
// official encoder which tag it writes for that property). A field number with no property is an
// unknown field. Each known scalar field must re-encode (official encoder, that property alone) to
// exactly the bytes on the wire; nested messages are walked recursively. Field order does not
// matter here; the caller compares whole re-encodings separately when it wants order too.

const { first_tag, is_message, snake } = require('./official');

const kWireTypeNames = { 0: 'varint', 1: 'fixed64', 2: 'length-delimited', 3: 'start-group',
                         4: 'end-group', 5: 'fixed32' };

class WireError extends Error {}

// Reads a varint at `pos`; returns [value as BigInt, next position]. Throws WireError.
function read_varint(buf, pos, what) {
  let value = 0n;
  for (let i = 0; i < 10; ++i) {
    if (pos + i >= buf.length) throw new WireError(`${what}: varint runs past the end of the buffer at byte ${pos + i}`);
    const b = buf[pos + i];
    value |= BigInt(b & 0x7f) << BigInt(7 * i);
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  throw new WireError(`${what}: varint at byte ${pos} is longer than 10 bytes`);
}

// Splits one message body into fields: [{number, wire_type, start, end, payload_start, payload_end}],
// positions relative to `buf`. `base` is added to positions in error messages. Throws WireError.
function parse_fields(buf, base = 0) {
  const fields = [];
  let pos = 0;
  while (pos < buf.length) {
    const start = pos;
    let tag;
    [tag, pos] = read_varint(buf, pos, `tag at byte ${base + start}`);
    if (tag > 0xffffffffn) throw new WireError(`tag at byte ${base + start} does not fit 32 bits`);
    const number = Number(tag >> 3n);
    const wire_type = Number(tag & 7n);
    if (number === 0) throw new WireError(`field number 0 at byte ${base + start}`);
    let payload_start = pos;
    switch (wire_type) {
      case 0: [, pos] = read_varint(buf, pos, `field ${number} at byte ${base + start}`); break;
      case 1: pos += 8; break;
      case 5: pos += 4; break;
      case 2: {
        let len;
        [len, pos] = read_varint(buf, pos, `length of field ${number} at byte ${base + start}`);
        payload_start = pos;
        if (len > BigInt(buf.length - pos)) {
          throw new WireError(`field ${number} at byte ${base + start} claims ${len} bytes, only ${buf.length - pos} remain`);
        }
        pos += Number(len);
        break;
      }
      default:
        throw new WireError(`field ${number} at byte ${base + start} has wire type ${wire_type} ` +
                            `(${kWireTypeNames[wire_type] || 'invalid'}), which OTLP never uses`);
    }
    if (pos > buf.length) throw new WireError(`field ${number} at byte ${base + start} runs past the end of the buffer`);
    fields.push({ number, wire_type, start, end: pos, payload_start, payload_end: pos });
  }
  return fields;
}

function hex(bytes, max = 48) {
  const h = Buffer.from(bytes).toString('hex');
  return h.length > max * 2 ? h.slice(0, max * 2) + `...(${bytes.length} bytes)` : h;
}

function same_bytes(a, b) {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength),
                        Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function join(path, key) { return path ? `${path}.${key}` : key; }

// Checks that the official decoder understood every field of `buf`, given `msg`, the message
// instance the official decoder produced from exactly these bytes. Appends one line per problem to
// `problems` (paths like resource_spans[0].scope_spans[0].spans[3].events[1]). `base` is the byte
// offset of `buf` inside the whole input, for messages.
function walk_understood(buf, msg, path, problems, base = 0) {
  const Ctor = msg.constructor;
  const type_name = Ctor.getTypeUrl('').replace(/^\//, '');
  let fields;
  try {
    fields = parse_fields(buf, base);
  } catch (e) {
    if (!(e instanceof WireError)) throw e;
    problems.push(`${path || '<top>'}: malformed protobuf: ${e.message}`);
    return;
  }
  // Field number -> property the official decoder filled.
  const by_number = new Map();
  for (const prop of Object.keys(msg)) {
    const v = msg[prop];
    if (v === null || v === undefined || typeof v === 'function') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    const tag = first_tag(Ctor, prop, v);
    if (tag === null) continue;
    by_number.set(tag >>> 3, prop);
  }
  const groups = new Map();
  for (const f of fields) {
    if (!groups.has(f.number)) groups.set(f.number, []);
    groups.get(f.number).push(f);
  }
  for (const [number, occ] of groups) {
    const prop = by_number.get(number);
    if (prop === undefined) {
      problems.push(`${path || '<top>'}: field number ${number} (${kWireTypeNames[occ[0].wire_type]}, ` +
                    `${occ.length}x, first at byte ${base + occ[0].start}) is not a field of the official ` +
                    `${type_name}; the official decoder skipped it as unknown`);
      continue;
    }
    const fpath = join(path, snake(prop));
    const value = msg[prop];
    const raw = (f) => buf.subarray(f.start, f.end);
    if (Array.isArray(value) && value.length > 0 && is_message(value[0])) {
      if (occ.length !== value.length) {
        problems.push(`${fpath}: ${occ.length} occurrences on the wire but the official decoder kept ${value.length}`);
        continue;
      }
      occ.forEach((f, i) => {
        if (f.wire_type !== 2) {
          problems.push(`${fpath}[${i}]: wire type ${kWireTypeNames[f.wire_type]} at byte ${base + f.start}, expected length-delimited`);
          return;
        }
        walk_understood(buf.subarray(f.payload_start, f.payload_end), value[i], `${fpath}[${i}]`,
                        problems, base + f.payload_start);
      });
    } else if (is_message(value)) {
      if (occ.length !== 1) {
        problems.push(`${fpath}: singular message field appears ${occ.length} times on the wire (decoders merge them)`);
        continue;
      }
      const f = occ[0];
      if (f.wire_type !== 2) {
        problems.push(`${fpath}: wire type ${kWireTypeNames[f.wire_type]} at byte ${base + f.start}, expected length-delimited`);
        continue;
      }
      walk_understood(buf.subarray(f.payload_start, f.payload_end), value, fpath, problems, base + f.payload_start);
    } else {
      if (!Array.isArray(value) && occ.length !== 1) {
        problems.push(`${fpath}: singular field appears ${occ.length} times on the wire; the official decoder kept only the last`);
        continue;
      }
      // Scalars (and repeated scalars): the official re-encoding of what it decoded must be
      // exactly the bytes that were on the wire, or it read them as something else.
      const again = Ctor.encode({ [prop]: value }).finish();
      const wire = Buffer.concat(occ.map((f) => Buffer.from(raw(f))));
      if (!same_bytes(again, wire)) {
        problems.push(`${fpath}: the official decoder read ${hex(wire)} (at byte ${base + occ[0].start}) as ` +
                      `${describe(value)}, which it writes back as ${hex(again)}; ` +
                      (typeof value === 'string' ? 'a string field must hold valid UTF-8 (or the field is not a string)'
                                                 : 'wrong wire type or type for this field'));
      }
    }
  }
}

function describe(v) {
  if (v instanceof Uint8Array) return `bytes ${hex(v)}`;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) return `64-bit ${v.toString()}`;
  return JSON.stringify(v);
}

module.exports = { parse_fields, walk_understood, WireError, same_bytes, hex };
