#!/usr/bin/env node
'use strict';
// official_signer.js --cert FILE --key FILE --port-file FILE --log FILE
//                    --access-key ID --secret KEY [--token TOKEN] --region R --service S
//                    [--now UNIX_SECONDS] [--logs-service S]
//
// A local HTTPS endpoint that plays an AWS OTLP endpoint (X-Ray's /v1/traces) for the tests:
// every request's signature is computed again by the OFFICIAL AWS SDK signer
// (@smithy/signature-v4 with @aws-crypto/sha256-js, pinned in tests/aws/package-lock.json) from
// what arrived: the method, path and query, the headers the request says it signed, the body
// bytes as received (compressed ones as they are, which is what SigV4 covers) and its
// X-Amz-Date. Only an identical Authorization header is accepted (200, an empty OTLP answer);
// anything else is refused with 403 and the reason, as AWS does, and with the server's Date.
// A request whose X-Amz-Date is more than 15 minutes from the server's clock (--now, else the
// real one) is refused as AWS refuses it, so a client without a clock can learn the time.
// Requests to .../v1/logs play CloudWatch Logs: signed for --logs-service (default "logs"),
// and refused without the x-aws-log-group and x-aws-log-stream headers it requires.
// The X-Ray sampling API's calls are verified the same way: a verified POST /GetSamplingRules
// gets one rule ("signed-rule", for every service), a verified POST /SamplingTargets gets a
// ReservoirQuota of 3 for it (JSON answers, as X-Ray sends them).
// One JSON line per request goes to --log: {status, reason, path, amz_date, scope, token,
// encoding, body_bytes, signed_headers, log_group, log_stream}. Listens on 127.0.0.1 only;
// stops on SIGTERM (exit 0).
const fs = require('fs');
const https = require('https');
const zlib = require('zlib');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('@aws-crypto/sha256-js');

function parse_args(argv) {
  const out = {};
  for (let i = 2; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) return null;
    out[argv[i].slice(2).replace(/-/g, '_')] = argv[i + 1];
  }
  for (const k of ['cert', 'key', 'port_file', 'log', 'access_key', 'secret', 'region', 'service']) {
    if (!out[k]) return null;
  }
  return out;
}

const args = parse_args(process.argv);
if (!args) {
  process.stderr.write('usage: official_signer.js --cert F --key F --port-file F --log F --access-key ID ' +
                       '--secret KEY [--token T] --region R --service S [--now UNIX_S]\n');
  process.exit(2);
}
const now_offset_ms = args.now ? Number(args.now) * 1000 - Date.now() : 0;
const server_now = () => new Date(Date.now() + now_offset_ms);

// "20150830T123600Z" -> Date, or null.
function parse_amz_date(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(text || '');
  if (!m) return null;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// "a=1&b=%32" -> { a: '1', b: '2' } (repeated names as arrays), values decoded as the SDK's
// own query parser does.
function parse_query(text) {
  const query = {};
  if (!text) return query;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const name = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
    if (name in query) query[name] = [].concat(query[name], value);
    else query[name] = value;
  }
  return query;
}

async function verify(req, body) {
  const auth = req.headers['authorization'] || '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return { ok: false, reason: 'no valid SigV4 Authorization header' };
  const [, key_id, , region, service, signed_list] = m;
  if (key_id !== args.access_key) return { ok: false, reason: 'unknown access key id' };
  const q_at = req.url.indexOf('?');
  const logs = (q_at < 0 ? req.url : req.url.slice(0, q_at)).endsWith('/v1/logs');
  const expected_service = logs ? (args.logs_service || 'logs') : args.service;
  if (region !== args.region || service !== expected_service) {
    return { ok: false, reason: `wrong credential scope (${region}/${service}, expected ${args.region}/${expected_service})` };
  }
  if (logs && (!req.headers['x-aws-log-group'] || !req.headers['x-aws-log-stream'])) {
    return { ok: false, reason: 'CloudWatch Logs needs the x-aws-log-group and x-aws-log-stream headers' };
  }
  const amz_date = req.headers['x-amz-date'];
  const when = parse_amz_date(amz_date);
  if (!when) return { ok: false, reason: 'no valid X-Amz-Date' };
  if (Math.abs(when.getTime() - server_now().getTime()) > 15 * 60 * 1000) {
    return { ok: false, reason: 'Signature expired: X-Amz-Date is more than 15 minutes from the server time' };
  }
  if ((req.headers['x-amz-security-token'] || undefined) !== (args.token || undefined)) {
    return { ok: false, reason: 'security token does not match' };
  }
  const signed = signed_list.split(';');
  for (const name of ['host', 'x-amz-date', 'x-amz-content-sha256']) {
    if (!signed.includes(name)) return { ok: false, reason: `${name} is not signed` };
  }
  // The headers the client says it signed, except the three the SDK signer adds itself
  // (x-amz-date from signingDate, x-amz-security-token from the credentials,
  // x-amz-content-sha256 from the body it hashes again).
  const headers = {};
  for (const name of signed) {
    if (['x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'].includes(name)) continue;
    if (req.headers[name] === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    headers[name] = req.headers[name];
  }
  const q = req.url.indexOf('?');
  const request = {
    method: req.method,
    protocol: 'https:',
    hostname: (req.headers.host || '').replace(/:\d+$/, ''),
    path: q < 0 ? req.url : req.url.slice(0, q),
    query: parse_query(q < 0 ? '' : req.url.slice(q + 1)),
    headers,
    body,
  };
  const signer = new SignatureV4({
    credentials: { accessKeyId: args.access_key, secretAccessKey: args.secret, sessionToken: args.token },
    region: args.region, service: expected_service, sha256: Sha256, applyChecksum: true,
  });
  const expected = await signer.sign(request, { signingDate: when });
  if (expected.headers['x-amz-content-sha256'] !== req.headers['x-amz-content-sha256']) {
    return { ok: false, reason: 'X-Amz-Content-Sha256 is not the SHA-256 of the body received' };
  }
  if (expected.headers['authorization'] !== auth) {
    return { ok: false, reason: 'signature mismatch: the official signer computes ' + expected.headers['authorization'] };
  }
  return { ok: true, reason: 'signature verified', scope: `${m[2]}/${region}/${service}`, signed_list };
}

const server = https.createServer({
  cert: fs.readFileSync(args.cert),
  key: fs.readFileSync(args.key),
}, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    let verdict;
    try {
      verdict = await verify(req, body);
    } catch (e) {
      verdict = { ok: false, reason: 'verifier error: ' + e.message };
    }
    let decoded = body.length;
    if (verdict.ok && req.headers['content-encoding'] === 'gzip') {
      try {
        decoded = zlib.gunzipSync(body).length;
      } catch (e) {
        verdict = { ok: false, reason: 'body is not valid gzip' };
      }
    }
    const status = verdict.ok ? 200 : 403;
    const path = req.url.split('?')[0];
    fs.appendFileSync(args.log, JSON.stringify({
      status, reason: verdict.reason, path, amz_date: req.headers['x-amz-date'] || '', scope: verdict.scope || '',
      token: req.headers['x-amz-security-token'] !== undefined, encoding: req.headers['content-encoding'] || 'identity',
      body_bytes: body.length, decoded_bytes: decoded, signed_headers: verdict.signed_list || '',
      log_group: req.headers['x-aws-log-group'] || '', log_stream: req.headers['x-aws-log-stream'] || '',
    }) + '\n');
    let answer = verdict.ok ? Buffer.alloc(0) : Buffer.from(verdict.reason);
    let type = verdict.ok ? 'application/x-protobuf' : 'text/plain';
    if (verdict.ok && path === '/GetSamplingRules') {
      type = 'application/json';
      answer = Buffer.from(JSON.stringify({ SamplingRuleRecords: [{ SamplingRule: {
        RuleName: 'signed-rule', ResourceARN: '*', Priority: 1, FixedRate: 0, ReservoirSize: 5, ServiceName: '*',
        ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {} } }] }));
    } else if (verdict.ok && path === '/SamplingTargets') {
      type = 'application/json';
      answer = Buffer.from(JSON.stringify({ SamplingTargetDocuments: [{ RuleName: 'signed-rule', FixedRate: 0,
        ReservoirQuota: 3, ReservoirQuotaTTL: Math.floor(server_now().getTime() / 1000) + 60, Interval: 10 }],
        LastRuleModification: 0, UnprocessedStatistics: [] }));
    }
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': answer.length,
      'Date': server_now().toUTCString(),
    });
    res.end(answer);
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(args.port_file + '.tmp', String(server.address().port));
  fs.renameSync(args.port_file + '.tmp', args.port_file);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
setTimeout(() => process.exit(0), 10 * 60 * 1000).unref();
