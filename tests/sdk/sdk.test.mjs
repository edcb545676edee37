// The official OpenAI and Groq SDKs against the gateway's OpenAI-compatible endpoint, with
// groq-sim behind it. Started by run.sh, which passes GATEWAY_URL and the gateway's key.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Groq from 'groq-sdk';

const baseURL = `${process.env.GATEWAY_URL}/v1`;
const apiKey = process.env.GATEWAY_KEY;
const model = 'openai/gpt-oss-20b';
const openai = new OpenAI({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 });
const ask = (q) => [{ role: 'user', content: q }];

test('openai: a non-streaming completion', async () => {
  const r = await openai.chat.completions.create({ model, messages: ask('BIST 100 nedir?') });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0].message.role, 'assistant');
  assert.equal(r.choices[0].finish_reason, 'stop');
  assert.ok(r.choices[0].message.content.includes('İstanbul'));
  assert.ok(r.usage.total_tokens > 0);
});

test('openai: streaming with for await gives the same text as the JSON answer', async () => {
  const question = 'Temettü nedir?';
  const whole = await openai.chat.completions.create({ model, messages: ask(question) });
  const stream = await openai.chat.completions.create({ model, messages: ask(question), stream: true });
  let text = '';
  let chunks = 0;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta?.content ?? '';
    chunks++;
  }
  assert.ok(chunks > 2);
  assert.equal(text, whole.choices[0].message.content);
});

test('openai: the chat.completions.stream helper (checks roles and finish reasons)', async () => {
  const runner = openai.chat.completions.stream({ model, messages: ask('Enflasyon nedir?') });
  const deltas = [];
  runner.on('content', (delta) => deltas.push(delta));
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].message.role, 'assistant');
  assert.equal(final.choices[0].finish_reason, 'stop');
  assert.equal(deltas.join(''), final.choices[0].message.content);
});

test('openai: stream_options.include_usage ends with a usage chunk', async () => {
  const stream = await openai.chat.completions.create({
    model, messages: ask('Faiz nedir?'), stream: true, stream_options: { include_usage: true },
  });
  let usage = null;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  assert.ok(usage);
  assert.ok(usage.completion_tokens > 0);
});

test('openai: an upstream 429 is a RateLimitError carrying Retry-After', async () => {
  await assert.rejects(
    openai.chat.completions.create({ model, messages: ask('x [[sim status=429 retry_after=7]]') }),
    (e) => e instanceof OpenAI.RateLimitError && e.status === 429 && e.headers.get('retry-after') === '7');
});

test("openai: the SDK's own retry honours the gateway's Retry-After and then succeeds", async () => {
  const retrying = new OpenAI({ baseURL, apiKey, maxRetries: 2, timeout: 20_000 });
  const started = Date.now();
  const r = await retrying.chat.completions.create({
    model, messages: ask('Altın nedir? [[sim status=429 times=1 retry_after=1 key=sdk-retry]]'),
  });
  assert.ok(Date.now() - started >= 1000, 'waited for Retry-After');
  assert.ok(r.choices[0].message.content.length > 0);
});

test('openai: a wrong gateway key is an AuthenticationError', async () => {
  const wrong = new OpenAI({ baseURL, apiKey: 'not-a-key', maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model, messages: ask('BIST 100 nedir?') }),
    (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});

test('openai: a bad request is a BadRequestError with the parameter named', async () => {
  await assert.rejects(openai.chat.completions.create({ model, messages: [] }),
    (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && e.error?.param === 'messages');
});

for (const [name, directive] of [['an error chunk', 'error_after=3'], ['a dropped connection', 'drop_after=3']]) {
  test(`openai: ${name} mid-stream raises in the stream loop, never a clean end`, async () => {
    const stream = await openai.chat.completions.create({
      model, messages: ask(`Hisse nedir? [[sim ${directive}]]`), stream: true,
    });
    let chunks = 0;
    await assert.rejects((async () => { for await (const _ of stream) chunks++; })(), OpenAI.APIError);
    assert.ok(chunks >= 3, 'the chunks before the failure arrived');
  });
}

test('openai: models.list answers from the upstream', async () => {
  const ids = [];
  for await (const m of openai.models.list()) ids.push(m.id);
  assert.ok(ids.includes(model));
});

test('groq-sdk: a completion and a stream through the gateway', async () => {
  const groq = new Groq({ baseURL: process.env.GATEWAY_URL, apiKey, maxRetries: 0 });  // Groq adds /openai/v1
  const whole = await groq.chat.completions.create({ model, messages: ask('Borsa İstanbul nedir?') });
  assert.ok(whole.choices[0].message.content.length > 0);
  const stream = await groq.chat.completions.create({ model, messages: ask('Borsa İstanbul nedir?'), stream: true });
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, whole.choices[0].message.content);
});

test('openai: a cached replay is indistinguishable from a live answer (JSON and stream)', async () => {
  const messages = ask('Katılım endeksi nedir? Şirketler nasıl seçilir? 🕌');
  // Live: the stream helper over the upstream's own chunks.
  const liveRun = openai.chat.completions.stream({ model, messages, stream_options: { include_usage: true } });
  const live = await liveRun.finalChatCompletion();
  // Replays from the cache: the same helper, a plain for-await, and a JSON completion.
  const { data: replayStream, response } = await openai.chat.completions
    .create({ model, messages, stream: true, stream_options: { include_usage: true } }).withResponse();
  assert.equal(response.headers.get('x-cache'), 'HIT');
  let text = '';
  let usage = null;
  let finish = null;
  const roles = [];
  for await (const chunk of replayStream) {
    const choice = chunk.choices[0];
    if (choice?.delta?.role) roles.push(choice.delta.role);
    text += choice?.delta?.content ?? '';
    if (choice?.finish_reason) finish = choice.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  const replayRun = openai.chat.completions.stream({ model, messages, stream_options: { include_usage: true } });
  const replayed = await replayRun.finalChatCompletion();
  const { data: whole, response: wholeResponse } = await openai.chat.completions
    .create({ model, messages }).withResponse();
  assert.equal(wholeResponse.headers.get('x-cache'), 'HIT');

  const liveMessage = live.choices[0].message;
  assert.deepEqual(roles, ['assistant']);
  assert.equal(text, liveMessage.content);
  assert.equal(finish, live.choices[0].finish_reason);
  assert.equal(usage.completion_tokens, live.usage.completion_tokens);
  for (const r of [replayed, whole]) {
    assert.equal(r.id, live.id);
    assert.equal(r.model, live.model);
    assert.equal(r.created, live.created);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(r.choices[0].message.content, liveMessage.content);
    assert.equal(r.choices[0].finish_reason, live.choices[0].finish_reason);
    assert.equal(r.usage.total_tokens, live.usage.total_tokens);
  }
});
