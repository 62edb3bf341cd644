'use strict';
// Deep comparison of two JSON-like values that reports every difference with its path,
// e.g. "resource_spans[0].scope_spans[0].spans[3].events[1].attributes[0].value.int".

function join(path, key) { return path ? `${path}.${key}` : key; }

// `v` as JSON for a message, cut after `max` characters.
function show(v, max = 160) {
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : (s.length > max ? s.slice(0, max) + '...' : s);
}

function kind_of(v) {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

// Appends "path: expected X, got Y" lines to `out` for every place where `actual` differs from
// `expected`: changed scalars, missing or extra keys, and array items (compared by index).
function diff(expected, actual, path, out) {
  const ke = kind_of(expected);
  const ka = kind_of(actual);
  const where = path || '<top>';
  if (ke !== ka) {
    out.push(`${where}: expected ${show(expected)}, got ${show(actual)}`);
    return out;
  }
  if (ke === 'array') {
    if (expected.length !== actual.length) {
      out.push(`${where}: expected ${expected.length} items, got ${actual.length}`);
    }
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; ++i) diff(expected[i], actual[i], `${path}[${i}]`, out);
    for (let i = n; i < expected.length; ++i) out.push(`${path}[${i}]: missing, expected ${show(expected[i])}`);
    for (let i = n; i < actual.length; ++i) out.push(`${path}[${i}]: unexpected, got ${show(actual[i])}`);
    return out;
  }
  if (ke === 'object') {
    for (const k of Object.keys(expected)) {
      if (!Object.prototype.hasOwnProperty.call(actual, k)) {
        out.push(`${join(path, k)}: missing, expected ${show(expected[k])}`);
      } else {
        diff(expected[k], actual[k], join(path, k), out);
      }
    }
    for (const k of Object.keys(actual)) {
      if (!Object.prototype.hasOwnProperty.call(expected, k)) {
        out.push(`${join(path, k)}: unexpected, got ${show(actual[k])}`);
      }
    }
    return out;
  }
  if (expected !== actual) out.push(`${where}: expected ${show(expected)}, got ${show(actual)}`);
  return out;
}

module.exports = { diff, join, show, kind_of };
