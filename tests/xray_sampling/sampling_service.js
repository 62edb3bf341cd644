#!/usr/bin/env node
'use strict';
// sampling_service.js --port-file FILE --log FILE [--rules N] [--page-size P]
//
// Plays the AWS X-Ray sampling API for the tests on 127.0.0.1 (plain HTTP, as a local proxy
// does): POST /GetSamplingRules answers N rules (default 40; the first, "api", applies to every
// service, the others only to services named "other-*"), written in several chunks so the
// client must read the answer as a stream; with --page-size, P rules per answer and a
// NextToken for the rest (the token is the next index, with characters JSON must escape);
// POST /SamplingTargets checks the statistics
// documents' shape (RuleName, ClientID of 24 hex digits, Timestamp, RequestCount,
// SampledCount, BorrowCount) and answers a ReservoirQuota of 7 for "api", valid 60 s, with
// an Interval of 3 s. Anything else gets 400 with the reason. One JSON line per request goes
// to --log: {path, status, body}. Stops on SIGTERM (exit 0).
const fs = require('fs');
const http = require('http');

const args = {};
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].slice(2).replace(/-/g, '_')] = process.argv[i + 1];
if (!args.port_file || !args.log) {
  process.stderr.write('usage: sampling_service.js --port-file F --log F [--rules N]\n');
  process.exit(2);
}
const rule_count = Number(args.rules || 40);
const page_size = Number(args.page_size || 0);

function rule(name, priority, service) {
  return {
    SamplingRule: {
      RuleName: name, RuleARN: `arn:aws:xray:eu-west-1:123456789012:sampling-rule/${name}`,
      ResourceARN: '*', Priority: priority, FixedRate: 0, ReservoirSize: 10, ServiceName: service,
      ServiceType: '*', Host: '*', HTTPMethod: '*', URLPath: '*', Version: 1, Attributes: {},
    },
    CreatedAt: 1700000000, ModifiedAt: 1700000000,
  };
}

function check_statistics(doc) {
  if (!doc || !Array.isArray(doc.SamplingStatisticsDocuments)) return 'SamplingStatisticsDocuments is not an array';
  for (const s of doc.SamplingStatisticsDocuments) {
    if (typeof s.RuleName !== 'string' || s.RuleName.length < 1 || s.RuleName.length > 32) return 'bad RuleName';
    if (!/^[0-9a-f]{24}$/.test(s.ClientID)) return 'ClientID is not 24 hex digits';
    if (typeof s.Timestamp !== 'number') return 'Timestamp is not a number';
    for (const k of ['RequestCount', 'SampledCount', 'BorrowCount']) {
      if (!Number.isInteger(s[k]) || s[k] < 0) return `${k} is not a count`;
    }
  }
  return null;
}

const log = fs.openSync(args.log, 'a');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    let status = 200;
    let answer = null;
    let parsed = null;
    try { parsed = JSON.parse(body); } catch (e) { status = 400; answer = { message: 'body is not JSON' }; }
    if (status === 200 && req.method === 'POST' && req.url === '/GetSamplingRules') {
      let records = [rule('api', 1, '*')];
      for (let i = 1; i < rule_count; ++i) records.push(rule(`other-${i}`, 100 + i, `other-${i}`));
      let next = null;
      if (page_size > 0) {
        const from = parsed && parsed.NextToken ? Number(JSON.parse(parsed.NextToken).from) : 0;
        if (parsed && parsed.NextToken && !(from > 0)) {
          fs.writeSync(log, JSON.stringify({ path: req.url, status: 400, body: parsed }) + '\n');
          res.writeHead(400, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ message: 'bad NextToken' }));
          return;
        }
        records = records.slice(from, from + page_size);
        if (from + page_size < rule_count) next = JSON.stringify({ from: from + page_size });
      }
      const text = JSON.stringify({ SamplingRuleRecords: records, NextToken: next });
      fs.writeSync(log, JSON.stringify({ path: req.url, status, body: parsed, answer_bytes: text.length }) + '\n');
      res.writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' });  // chunked: no length
      for (let at = 0; at < text.length; at += 700) res.write(text.slice(at, at + 700));
      res.end();
      return;
    }
    if (status === 200 && req.method === 'POST' && req.url === '/SamplingTargets') {
      const why = check_statistics(parsed);
      if (why) {
        status = 400;
        answer = { message: why };
      } else {
        answer = {
          SamplingTargetDocuments: [{ RuleName: 'api', FixedRate: 0, ReservoirQuota: 7,
                                      ReservoirQuotaTTL: Math.floor(Date.now() / 1000) + 60, Interval: 3 }],
          LastRuleModification: 1600000000, UnprocessedStatistics: [],
        };
      }
    } else if (status === 200) {
      status = 400;
      answer = { message: `unknown call ${req.method} ${req.url}` };
    }
    fs.writeSync(log, JSON.stringify({ path: req.url, status, body: parsed }) + '\n');
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(answer));
  });
});
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(args.port_file + '.tmp', String(server.address().port));
  fs.renameSync(args.port_file + '.tmp', args.port_file);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
