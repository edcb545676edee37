// The chat page at / in headless Chromium, against a real gateway and groq-sim (tests/browser/run.sh
// starts them): streaming, stop, the cache badge, errors in Turkish, safe Markdown, the keyboard,
// the key prompt, screenshots, and the page's weight, start-up time and render cost per delta.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const gateway = process.env.GATEWAY_URL;
const keyed = process.env.KEYED_URL;
const strict = process.env.STRICT_URL;  // UPSTREAM_TIMEOUT=1, BREAKER_FAILURES=1
const sim = process.env.SIM_URL;
const out = process.env.OUT_DIR;

let browser;
const consoleErrors = [];

before(async () => {
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
});

async function openPage(url = gateway, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, ...options });
  const page = await context.newPage();
  page.on("console", (m) => {
    // Chromium logs every error status of a fetch; those of /chat are the statuses tested here.
    const expected = m.text().startsWith("Failed to load resource") && m.location().url.endsWith("/chat");
    if (m.type() === "error" && !expected) consoleErrors.push(`${url}: ${m.text()} (${m.location().url})`);
  });
  page.on("pageerror", (e) => consoleErrors.push(`${url}: ${e.message}`));
  await page.goto(url + "/");
  await page.waitForFunction(() => performance.getEntriesByName("chat-ready").length > 0);
  return page;
}

const simStats = async () => (await fetch(`${sim}/sim/stats`)).json();
const openGate = (name) => fetch(`${sim}/sim/gates/${name}/open`, { method: "POST" });
const lastAnswer = (page) => page.locator(".msg.assistant").last();

async function ask(page, question) {
  await page.fill("#question", question);
  await page.press("#question", "Enter");
}

async function apiAnswer(question) {
  const r = await fetch(`${gateway}/chat`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ question }),
  });
  assert.equal(r.status, 200);
  return (await r.json()).answer;
}

const squash = (s) => s.replace(/\s+/g, " ").trim();

test("a question streams: the first delta shows while the rest is held, the end equals the API's answer", async () => {
  const page = await openPage();
  const question = "BIST 100 nedir? [[sim gate=first tokens=30]]";
  await ask(page, question);
  const answer = lastAnswer(page);
  await page.waitForFunction(() => document.querySelector(".msg.assistant .body")?.textContent.length > 0);
  // groq-sim holds everything after its first chunk at the gate: what shows is the first delta.
  assert.equal(await answer.getAttribute("aria-busy"), "true");
  assert.equal(await answer.locator(".body").getAttribute("aria-live"), "polite");
  assert.ok(await page.isVisible("#stop"));
  const early = await answer.locator(".body").innerText();
  await openGate("first");
  await page.waitForSelector(".msg.assistant.complete");
  const text = squash(await answer.locator(".body").textContent());
  assert.ok(text.length > squash(early).length);
  // What the page shows is the API's answer for the same question, rendered as Markdown.
  const expected = await page.evaluate(async (markdown) => {
    const url = document.querySelector('link[rel=modulepreload][href*="/markdown."]').href;
    const { renderMarkdown } = await import(url);
    const host = document.createElement("div");
    host.innerHTML = renderMarkdown(markdown);
    return host.textContent;
  }, await apiAnswer(question));
  assert.equal(text, squash(expected));
  assert.ok((await answer.locator(".body strong").count()) > 0);  // groq-sim's answers carry Markdown
  assert.equal(await answer.getAttribute("aria-busy"), "false");
  assert.ok(await page.isVisible("#send"));
  await page.context().close();
});

test("stop mid-stream: the gateway closes the upstream stream; the partial answer stays, marked", async () => {
  const page = await openPage();
  const before = await simStats();
  await ask(page, "Temettü nasıl ödenir? [[sim gate=never-opened]]");
  await page.waitForFunction(() => document.querySelector(".msg.assistant .body")?.textContent.length > 0);
  const partial = await lastAnswer(page).locator(".body").innerText();
  await page.click("#stop");
  await page.waitForSelector(".msg.assistant.incomplete");
  assert.match(await lastAnswer(page).innerText(), /Durduruldu; yanıt eksik/);
  assert.equal(await lastAnswer(page).locator(".body").innerText(), partial);
  assert.equal(await lastAnswer(page).locator("button.retry").count(), 1);
  // groq-sim sees its connection closed while it waits at the gate.
  let stats;
  for (let i = 0; i < 100; ++i) {
    stats = await simStats();
    if (stats.streams_aborted > before.streams_aborted) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(stats.streams_aborted, before.streams_aborted + 1);
  assert.equal(stats.active_streams, 0);
  await page.context().close();
});

test("the same question again, in a new conversation, shows the cache badge; a similar one says so", async () => {
  const page = await openPage();
  await ask(page, "Yatırım fonu nedir?");
  await page.waitForSelector(".msg.assistant.complete");
  assert.equal(await lastAnswer(page).locator(".badge").count(), 0);
  // In the same conversation the history differs, so it is a new question: start afresh.
  await page.click("#new-chat");
  assert.equal(await page.locator(".msg").count(), 0);
  assert.ok(await page.isVisible("#intro"));
  await ask(page, "Yatırım fonu nedir?");
  await page.waitForSelector(".msg.assistant.complete");
  assert.equal(squash(await lastAnswer(page).locator(".badge").innerText()), "Önbellekten");
  await page.click("#new-chat");
  await ask(page, "Yatırım fonları ne demek?");
  await page.waitForSelector(".msg.assistant.complete");
  assert.match(await lastAnswer(page).locator(".badge").innerText(), /benzer bir sorunun yanıtı/);
  await page.context().close();
});

test("the conversation's history goes with the next question", async () => {
  const page = await openPage();
  await ask(page, "Enflasyon nedir?");
  await page.waitForSelector(".msg.assistant.complete");
  await ask(page, "Peki faiz?");
  await page.waitForFunction(() => document.querySelectorAll(".msg.assistant.complete").length === 2);
  const sent = JSON.parse((await simStats()).last_request_body);
  const roles = sent.messages.map((m) => m.role);
  assert.deepEqual(roles.slice(-3), ["user", "assistant", "user"]);
  assert.equal(sent.messages.at(-3).content, "Enflasyon nedir?");
  assert.equal(sent.messages.at(-2).content, await apiAnswer("Enflasyon nedir?"));  // the Markdown as written
  await page.context().close();
});

test("a customer's own IBAN comes back in the answer; groq-sim saw only its placeholder", async () => {
  const page = await openPage();
  const iban = "TR33 0006 1005 1978 6457 8413 26";  // check digits valid: PII_PROTECTION replaces it
  await ask(page, `IBAN'ım ${iban}. EFT ne zaman geçer? [[sim echo=1]]`);
  await page.waitForSelector(".msg.assistant.complete");
  // groq-sim's echo writes back the placeholders it was sent; the gateway put the value back.
  assert.equal(squash(await lastAnswer(page).locator(".body").innerText()), `Yer tutucular: ${iban}.`);
  const sent = (await simStats()).last_request_body;
  assert.match(sent, /\[IBAN_1\]/);
  assert.ok(!sent.includes("1978 6457") && !sent.includes("19786457"), "the IBAN reached groq-sim");
  await page.context().close();
});

test("429 shows the wait in Turkish; an error event keeps the partial answer with a retry that works", async () => {
  const page = await openPage();
  await ask(page, "BIST 30 nedir? [[sim status=429 retry_after=7]]");
  await page.waitForSelector(".msg.assistant.incomplete");
  assert.match(await lastAnswer(page).innerText(), /Çok fazla istek gönderildi\. 7 saniye sonra tekrar deneyin\./);

  await ask(page, "Altın fiyatı neden yükselir? [[sim error_after=3 times=1 key=page-error]]");
  await page.waitForFunction(() => document.querySelectorAll(".msg.assistant.incomplete").length === 2);
  const cut = lastAnswer(page);
  assert.match(await cut.innerText(), /Yanıt yarıda kesildi; gösterilen kısım eksik\./);
  assert.ok((await cut.locator(".body").innerText()).length > 0);
  await cut.locator("button.retry").click();  // the directive applies once: the retry succeeds
  await page.waitForSelector(".msg.assistant.complete");
  assert.equal(await page.locator(".msg.assistant.incomplete").count(), 1);  // the retried one is replaced
  await page.context().close();
});

test("502, 504 and 503 in Turkish", async () => {
  let page = await openPage();
  await ask(page, "Kur nedir? [[sim status=500]]");
  await page.waitForSelector(".msg.assistant.incomplete");
  assert.match(await lastAnswer(page).innerText(), /Yanıt servisi hata verdi/);
  await page.context().close();
  // The upstream's first byte is late (504); that failure opens the breaker, so the next is 503.
  page = await openPage(strict);
  await ask(page, "Kur nedir? [[sim stall=1500]]");
  await page.waitForSelector(".msg.assistant.incomplete");
  assert.match(await lastAnswer(page).innerText(), /Yanıt zamanında gelmedi \(zaman aşımı\)/);
  await ask(page, "Faiz nedir?");
  await page.waitForFunction(() => document.querySelectorAll(".msg.assistant.incomplete").length === 2);
  assert.match(await lastAnswer(page).innerText(), /Hizmet şu anda yoğun veya bakımda/);
  await page.context().close();
});

// Percent-encoding for groq-sim's answer= directive (a directive's value has no spaces or "]]").
const simAnswer = (text) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16));

test("answers are safe Markdown: HTML and scripts stay inert text, bold and links render", async () => {
  const page = await openPage();
  const answer =
    'Bu **kalın** yazı.\n\n<img src=x onerror="window.__pwned=1"> ve <script>window.__pwned=2</script>\n\n' +
    "- [KAP](https://www.kap.org.tr) bağlantısı\n- `kod`\n\n[kötü](javascript:window.__pwned=3)";
  await ask(page, `Güvenli mi? [[sim answer=${simAnswer(answer)}]]`);
  await page.waitForSelector(".msg.assistant.complete");
  const body = lastAnswer(page).locator(".body");
  assert.equal(await body.locator("strong").innerText(), "kalın");
  assert.equal(await body.locator("img, script").count(), 0);
  const text = await body.innerText();
  assert.match(text, /<img src=x onerror="window.__pwned=1">/);  // shown, as text
  assert.match(text, /<script>window.__pwned=2<\/script>/);
  const link = body.locator('a[href="https://www.kap.org.tr"]');
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.match(await link.getAttribute("rel"), /noopener/);
  assert.equal(await body.locator('a[href^="javascript:"]').count(), 0);
  await body.locator("a", { hasText: "kötü" }).click({ timeout: 2000 }).catch(() => {});
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  await page.context().close();
});

test("keyboard only: focus, type, Shift+Enter, Enter, Tab to stop, stop", async () => {
  const page = await openPage();
  assert.equal(await page.evaluate(() => document.activeElement.id), "question");
  await page.keyboard.type("Borsa nedir?");
  await page.keyboard.press("Shift+Enter");
  await page.keyboard.type("Kısaca [[sim gate=kbd]]");
  assert.equal(await page.inputValue("#question"), "Borsa nedir?\nKısaca [[sim gate=kbd]]");
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector(".msg.assistant .body")?.textContent.length > 0);
  assert.equal(await page.evaluate(() => document.activeElement.id), "question");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.id), "stop");
  // The focus ring is visible (:focus-visible draws an outline).
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.equal(outline, "solid");
  await page.keyboard.press("Enter");
  await page.waitForSelector(".msg.assistant.incomplete");
  assert.match(await lastAnswer(page).innerText(), /Durduruldu/);
  await openGate("kbd");
  await page.context().close();
});

test("with GATEWAY_API_KEYS the page asks for a key and keeps it for the session only", async () => {
  const page = await openPage(keyed);
  await ask(page, "Hisse senedi nedir?");
  await page.waitForSelector("#key-form:not([hidden])");
  assert.equal(await page.evaluate(() => document.activeElement.id), "key");
  assert.equal(await page.locator(".msg").count(), 0);  // the question waits for the key
  await page.fill("#key", "wrong-key");
  await page.press("#key", "Enter");
  await page.waitForSelector("#key-form:not([hidden])");  // refused: asked again
  await page.fill("#key", process.env.KEYED_KEY);
  await page.press("#key", "Enter");
  await page.waitForSelector(".msg.assistant.complete");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("chat-gateway-key")), process.env.KEYED_KEY);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  await page.reload();
  await page.waitForFunction(() => performance.getEntriesByName("chat-ready").length > 0);
  await ask(page, "Tahvil nedir?");
  await page.waitForSelector(".msg.assistant.complete");
  assert.ok(await page.isHidden("#key-form"));
  await page.context().close();
});

test("screenshots at 1280x860 and 390x844, light and dark", async () => {
  await apiAnswer("BIST 100 nedir?");  // cached: each screenshot shows a badge, and a fresh answer
  for (const [name, viewport, colorScheme] of [
    ["desktop", { width: 1280, height: 860 }, "light"],
    ["phone", { width: 390, height: 844 }, "light"],
    ["desktop-dark", { width: 1280, height: 860 }, "dark"],
    ["phone-dark", { width: 390, height: 844 }, "dark"],
  ]) {
    const page = await openPage(gateway, { viewport, colorScheme });
    await page.screenshot({ path: `${out}/page-${name}-empty.png` });
    await ask(page, "BIST 100 nedir?");
    await page.waitForSelector(".msg.assistant.complete");
    await ask(page, "Temettü nedir?");
    await page.waitForFunction(() => document.querySelectorAll(".msg.assistant.complete").length === 2);
    // Nothing sticks out sideways on a phone.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: ${overflow} px wider than the screen`);
    await page.screenshot({ path: `${out}/page-${name}.png` });
    await page.context().close();
  }
});

test("measured: page weight, time to a usable input, render cost per delta of a 2,000-token answer", async () => {
  const page = await openPage();
  const weight = await page.evaluate(() => {
    const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
    return {
      files: entries.length,
      transferred: entries.reduce((n, e) => n + e.transferSize, 0),
      encoded: entries.reduce((n, e) => n + e.encodedBodySize, 0),
      decoded: entries.reduce((n, e) => n + e.decodedBodySize, 0),
      ready: performance.getEntriesByName("chat-ready")[0].startTime,
    };
  });
  console.log(`MEASURE page: ${weight.files} files, ${weight.encoded} bytes gzipped (${weight.decoded} unzipped), ` +
              `usable input ${weight.ready.toFixed(1)} ms after navigation start`);
  assert.ok(weight.encoded < weight.decoded);  // served gzipped
  const costs = await page.evaluate(async () => {
    const url = document.querySelector('link[rel=modulepreload][href*="/markdown."]').href;
    const { AnswerView } = await import(url);
    const paragraph = "Endeks, **piyasa değeri** yüksek hisselerden oluşur; `BIST` verileri günlük güncellenir ve " +
                      "yatırımcılar genel eğilimi izlemek için [KAP](https://www.kap.org.tr) duyurularına bakar.";
    const blocks = [];
    while (blocks.join("\n\n").split(/(?= )/).length < 2000)
      blocks.push(paragraph, "- birinci madde ve açıklaması\n- ikinci madde ve açıklaması", "```\nkod satırı\n```");
    const tokens = blocks.join("\n\n").split(/(?= )/).slice(0, 2000);
    const run = (incremental) => {
      const host = document.createElement("div");
      document.body.append(host);
      const view = new AnswerView(host, { incremental });
      const times = [];
      for (const t of tokens) {
        const start = performance.now();
        view.append(t);
        view.render();  // every delta rendered at once: the cost without frame coalescing
        times.push(performance.now() - start);
      }
      const text = host.textContent.replace(/\s+/g, " ").trim();
      host.remove();
      times.sort((a, b) => a - b);
      const sum = times.reduce((a, b) => a + b, 0);
      return { mean: sum / times.length, p99: times[Math.floor(times.length * 0.99)], text };
    };
    const full = run(false), incremental = run(true);
    return { tokens: tokens.length, full, incremental };
  });
  const f = costs.full, i = costs.incremental;
  console.log(`MEASURE render per delta, ${costs.tokens} tokens: incremental mean ${i.mean.toFixed(3)} ms p99 ${i.p99.toFixed(3)} ms; ` +
              `whole answer re-parsed mean ${f.mean.toFixed(3)} ms p99 ${f.p99.toFixed(3)} ms (same run)`);
  assert.equal(costs.tokens, 2000);
  assert.equal(i.text, f.text);  // the same answer on screen either way
  await page.context().close();
});

test("no console errors on any page (CSP violations included)", () => {
  assert.deepEqual(consoleErrors, []);
});
