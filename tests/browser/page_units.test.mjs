// The page's modules that need no DOM, under node's test runner: the SSE reader at every split
// point of a Turkish and emoji stream, and where the incremental renderer may cut an answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SseReader } from "../../lib/web/page/sse.js";
import { stableCut } from "../../lib/web/page/blocks.js";
import { parseRetryAfter } from "../../lib/web/page/chat_client.js";

const stream =
  'data: {"delta":"BIST 100, Borsa İstanbul\'da"}\n\n' +
  ": keep-alive\n\n" +
  'data: {"delta":" işlem gören 📈 şirketler"}\r\n\r\n' +
  'data: {"delta":"çğıöşü"}\rdata: second line\r\r' +
  'data: {"done":true,"cached":false}\n\n' +
  "data: [DONE]\n\n";
const expected = [
  '{"delta":"BIST 100, Borsa İstanbul\'da"}',
  '{"delta":" işlem gören 📈 şirketler"}',
  '{"delta":"çğıöşü"}\nsecond line',
  '{"done":true,"cached":false}',
  "[DONE]",
];

test("SSE: the same events for a cut at every byte", () => {
  const bytes = new TextEncoder().encode(stream);
  for (let cut = 0; cut <= bytes.length; ++cut) {
    const r = new SseReader();
    const events = [...r.push(bytes.subarray(0, cut)), ...r.push(bytes.subarray(cut)), ...r.end()];
    assert.deepEqual(events, expected, `cut at ${cut}`);
  }
});

test("SSE: byte by byte", () => {
  const bytes = new TextEncoder().encode(stream);
  const r = new SseReader();
  const events = [];
  for (let i = 0; i < bytes.length; ++i) events.push(...r.push(bytes.subarray(i, i + 1)));
  events.push(...r.end());
  assert.deepEqual(events, expected);
});

test("SSE: an event without its blank line is not reported", () => {
  const r = new SseReader();
  assert.deepEqual(r.push(new TextEncoder().encode('data: {"delta":"a"}\n\ndata: {"delta":"b"}\n')), ['{"delta":"a"}']);
  assert.deepEqual(r.end(), []);
});

test("blocks: cuts after a blank line before a new block, never inside a fence", () => {
  const text = "Para:\n\n- bir\n- iki\n\n```\nkod\n\nhâlâ kod\n```\n\nSon paragraf";
  const cut = stableCut(text, 0);
  assert.equal(text.slice(cut), "Son paragraf");
  assert.equal(stableCut("a\n\n```\nx\n\ny", 0), 3);  // the open fence keeps the rest together
  assert.equal(stableCut("- a\n\n  devamı\n", 0), 0);   // an indented continuation stays with its item
  assert.equal(stableCut("a\n\nb", 0), 3);
  assert.equal(stableCut("a\n\n", 0), 0);              // nothing after the blank line yet
  // Rendering the parts separately gives the parts of the whole: cuts only grow.
  let from = 0;
  for (let i = 0; i <= text.length; ++i) {
    const next = stableCut(text.slice(0, i), from);
    assert.ok(next >= from);
    from = next;
  }
  assert.equal(from, cut);
});

test("Retry-After: seconds or an HTTP date", () => {
  assert.equal(parseRetryAfter("7"), 7);
  assert.equal(parseRetryAfter(null), null);
  assert.equal(parseRetryAfter("soon"), null);
  const inTen = new Date(Date.now() + 10_000).toUTCString();
  assert.ok(Math.abs(parseRetryAfter(inTen) - 10) <= 1);
});
