// An OTLP/HTTP trace receiver for tests/otel/run.sh: every POST /v1/traces body is checked against
// the official OpenTelemetry protocol definitions (the protobufjs root compiled from
// opentelemetry-proto, shipped in @opentelemetry/otlp-transformer), field by field, and the spans
// are kept for the script to read at GET /spans. What the check asks of an export:
//   - it is JSON with Content-Type application/json;
//   - every field name is one the definitions know, at its place (the decoded message, turned back
//     into an object, holds every field the export sent: protobufjs drops the ones it does not know);
//   - the definitions' own verify() accepts the message read from it (types of every field);
//   - trace ids are 16 bytes and span ids 8, written as hex (OTLP/JSON's rule, not base64), links'
//     included.
// GET /errors lists every export that failed a check (the script requires none).
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = require('@opentelemetry/otlp-transformer/build/src/generated/root.js');
const Request = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

const spans = [];
const errors = [];
const idFields = new Set(['traceId', 'spanId', 'parentSpanId']);

// OTLP/JSON writes ids in hex; protobufjs reads bytes from base64.
function hexIdsToBase64(value, path, problems) {
  if (Array.isArray(value)) return value.map((v, i) => hexIdsToBase64(v, `${path}[${i}]`, problems));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const [k, v] of Object.entries(value)) {
    if (idFields.has(k)) {
      const want = k === 'traceId' ? 32 : 16;
      if (typeof v !== 'string' || !/^[0-9a-f]*$/.test(v) || v.length !== want)
        problems.push(`${path}.${k}: not ${want} lowercase hex digits: ${JSON.stringify(v)}`);
      out[k] = Buffer.from(String(v), 'hex').toString('base64');
    } else {
      out[k] = hexIdsToBase64(v, `${path}.${k}`, problems);
    }
  }
  return out;
}

// Every key of `sent` must be in `decoded` (what the definitions kept of it).
function unknownFields(sent, decoded, path, problems) {
  if (Array.isArray(sent)) {
    sent.forEach((v, i) => unknownFields(v, decoded?.[i], `${path}[${i}]`, problems));
    return;
  }
  if (sent === null || typeof sent !== 'object') return;
  for (const [k, v] of Object.entries(sent)) {
    if (decoded === undefined || decoded === null || !(k in decoded)) {
      problems.push(`${path}.${k}: not a field of the OTLP definitions here`);
      continue;
    }
    unknownFields(v, decoded[k], `${path}.${k}`, problems);
  }
}

function check(body, contentType) {
  const problems = [];
  if (!String(contentType).startsWith('application/json')) problems.push(`content-type ${contentType}`);
  let sent;
  try {
    sent = JSON.parse(body);
  } catch (e) {
    return { problems: [`not JSON: ${e.message}`] };
  }
  const object = hexIdsToBase64(sent, '$', problems);
  // The JSON mapping writes 64-bit integers as decimal strings; fromObject reads them so, and the
  // definitions' verify() then checks every field's type in the message it made.
  const message = Request.fromObject(object);
  const verified = Request.verify(message);
  if (verified) problems.push(`verify: ${verified}`);
  // Back to an object, default values left out, so that every field sent shows.
  const decoded = Request.toObject(message, { longs: String, enums: Number, bytes: String, defaults: true, arrays: true });
  unknownFields(object, decoded, '$', problems);
  // Binary round trip through the definitions: what a protobuf collector would read.
  const again = Request.decode(Request.encode(message).finish());
  const out = [];
  for (const rs of again.resourceSpans) {
    const resource = Object.fromEntries(rs.resource.attributes.map((a) => [a.key, a.value.stringValue]));
    for (const ss of rs.scopeSpans)
      for (const s of ss.spans) {
        if (s.traceId.length !== 16) problems.push(`trace id of ${s.traceId.length} bytes`);
        if (s.spanId.length !== 8) problems.push(`span id of ${s.spanId.length} bytes`);
        const attributes = {};
        for (const a of s.attributes) {
          const v = a.value;
          attributes[a.key] = v.stringValue ?? (v.intValue != null ? String(v.intValue) : undefined) ??
            v.doubleValue ?? v.boolValue ?? v.arrayValue?.values.map((x) => x.stringValue);
        }
        out.push({
          traceId: Buffer.from(s.traceId).toString('hex'),
          spanId: Buffer.from(s.spanId).toString('hex'),
          parentSpanId: Buffer.from(s.parentSpanId ?? []).toString('hex'),
          name: s.name, kind: s.kind, status: s.status?.code ?? 0,
          start: String(s.startTimeUnixNano), end: String(s.endTimeUnixNano),
          events: s.events.map((e) => e.name), attributes, resource,
          links: s.links.map((l) => ({ traceId: Buffer.from(l.traceId).toString('hex'), spanId: Buffer.from(l.spanId).toString('hex') })),
        });
      }
  }
  return { problems, spans: out };
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url === '/errors' ? errors : spans));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const { problems, spans: got = [] } = check(Buffer.concat(chunks).toString(), req.headers['content-type']);
    if (req.url !== '/v1/traces') problems.push(`posted to ${req.url}`);
    if (problems.length) errors.push(...problems);
    spans.push(...got);
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`receiver port ${server.address().port}`));
