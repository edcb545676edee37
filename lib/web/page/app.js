// The chat page: the conversation on screen and its history, the question form, stop, retry,
// the key prompt, and what each outcome of chat_client.js means for the reader - in Turkish.
import { askStream } from "./chat_client.js";
import { AnswerView } from "./markdown.js";

const $ = (id) => document.getElementById(id);
const form = $("ask"), input = $("question"), send = $("send"), stop = $("stop");
const list = $("messages"), intro = $("intro"), status = $("status");
const keyForm = $("key-form"), keyInput = $("key");

const KEY_STORAGE = "chat-gateway-key";  // sessionStorage: gone when the tab closes
const HISTORY_SENT = 64;                 // the most /chat accepts; the server keeps HISTORY_LIMIT

let history = [];         // completed turns: {role, content}
let current = null;       // the request in progress: {controller}
let waitingForKey = null; // a question asked before the key was given

const errorTexts = {
  400: "Soru işlenemedi. Lütfen soruyu kısaltıp yeniden deneyin.",
  401: "API anahtarı geçersiz. Lütfen anahtarı yeniden girin.",
  413: "Soru çok uzun. Lütfen kısaltın.",
  502: "Yanıt servisi hata verdi. Lütfen tekrar deneyin.",
  503: "Hizmet şu anda yoğun veya bakımda. Lütfen biraz sonra tekrar deneyin.",
  504: "Yanıt zamanında gelmedi (zaman aşımı). Lütfen tekrar deneyin.",
};
const codeTexts = {
  question_too_long: "Soru çok uzun. Lütfen kısaltın.",
  empty_question: "Lütfen bir soru yazın.",
};

function announce(text) {
  status.textContent = text;
}

function addMessage(role, text) {
  const item = document.createElement("li");
  item.className = `msg ${role}`;
  const who = document.createElement("span");
  who.className = "who visually-hidden";
  who.textContent = role === "user" ? "Siz:" : "Asistan:";
  const body = document.createElement("div");
  body.className = "body";
  if (text !== undefined) body.textContent = text;
  item.append(who, body);
  list.append(item);
  intro.hidden = true;
  item.scrollIntoView({ block: "end" });
  return { item, body };
}

function setBusy(busy) {
  send.hidden = busy;
  stop.hidden = !busy;
  send.disabled = busy;
}

function note(item, className, text, retry) {
  const p = document.createElement("p");
  p.className = `note ${className}`;
  p.setAttribute("role", className === "badge" ? "note" : "alert");
  p.textContent = text;
  if (retry) {
    const again = document.createElement("button");
    again.type = "button";
    again.className = "secondary retry";
    again.textContent = "Tekrar dene";
    again.addEventListener("click", () => {
      item.remove();
      ask(retry.question, retry.history);
    });
    p.append(" ", again);
  }
  item.append(p);
  return p;
}

function cacheBadge(item, headers, outcome) {
  const hit = headers.cache === "HIT" || outcome.cached;
  if (!hit) return;
  const similar = headers.match === "similar";
  const badge = note(item, "badge", similar ? "Önbellekten · benzer bir sorunun yanıtı" : "Önbellekten");
  badge.title = similar
    ? "Bu yanıt, benzer bir soru için daha önce üretilen yanıttır."
    : "Bu yanıt, aynı soru için daha önce üretilen yanıttır.";
}

function httpErrorText(outcome) {
  if (outcome.status === 429) {
    const s = outcome.retryAfter;
    return s !== null && s !== undefined
      ? `Çok fazla istek gönderildi. ${s} saniye sonra tekrar deneyin.`
      : "Çok fazla istek gönderildi. Biraz sonra tekrar deneyin.";
  }
  return codeTexts[outcome.code] ?? errorTexts[outcome.status] ?? `İstek tamamlanamadı (HTTP ${outcome.status}).`;
}

async function ask(question, askedHistory = history.slice(-HISTORY_SENT)) {
  if (current) return;
  const controller = new AbortController();
  current = { controller };
  setBusy(true);
  addMessage("user", question);
  const { item, body } = addMessage("assistant");
  body.setAttribute("aria-live", "polite");
  item.setAttribute("aria-busy", "true");
  const view = new AnswerView(body);
  let headers = {};
  const outcome = await askStream({
    question,
    history: askedHistory,
    key: sessionStorage.getItem(KEY_STORAGE),
    signal: controller.signal,
    onDelta: (d) => view.append(d),
    onHeaders: (h) => (headers = h),
  });
  view.render();
  item.setAttribute("aria-busy", "false");
  body.removeAttribute("aria-live");
  current = null;
  setBusy(false);
  const retry = { question, history: askedHistory };
  const partial = view.text.length > 0;
  switch (outcome.kind) {
    case "done":
      history = [...askedHistory, { role: "user", content: question }, { role: "assistant", content: view.text }];
      cacheBadge(item, headers, outcome);
      item.classList.add("complete");
      announce("Yanıt tamamlandı.");
      break;
    case "aborted":
      item.classList.add("incomplete");
      note(item, "warn", partial ? "Durduruldu; yanıt eksik." : "Durduruldu.", retry);
      announce("Yanıt durduruldu.");
      break;
    case "stream_error":
      item.classList.add("incomplete");
      note(item, "error", "Yanıt yarıda kesildi; gösterilen kısım eksik.", retry);
      break;
    case "cut":
      item.classList.add("incomplete");
      note(item, "error", "Bağlantı koptu; gösterilen yanıt eksik olabilir.", retry);
      break;
    case "network":
      item.classList.add("incomplete");
      note(item, "error", "Sunucuya ulaşılamadı. Bağlantınızı kontrol edip tekrar deneyin.", retry);
      break;
    case "http":
      if (outcome.status === 401) {
        item.previousElementSibling?.remove();
        item.remove();
        sessionStorage.removeItem(KEY_STORAGE);
        waitingForKey = retry;
        keyForm.hidden = false;
        keyInput.focus();
        return;
      }
      item.classList.add("incomplete");
      note(item, "error", httpErrorText(outcome), retry);
      break;
  }
  input.focus();
}

form.addEventListener("submit", (e) => {
  e.preventDefault();
  const question = input.value.trim();
  if (!question || current) return;
  input.value = "";
  ask(question);
});

input.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
    e.preventDefault();
    form.requestSubmit();
  }
});

stop.addEventListener("click", () => current?.controller.abort());
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && current) current.controller.abort();
});

$("new-chat").addEventListener("click", () => {
  current?.controller.abort();
  history = [];
  list.replaceChildren();
  intro.hidden = false;
  announce("Yeni sohbet başladı.");
  input.focus();
});

for (const example of document.querySelectorAll(".example")) {
  example.addEventListener("click", () => ask(example.textContent));
}

keyForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const key = keyInput.value.trim();
  if (!key) return;
  sessionStorage.setItem(KEY_STORAGE, key);
  keyInput.value = "";
  keyForm.hidden = true;
  const pending = waitingForKey;
  waitingForKey = null;
  if (pending) ask(pending.question, pending.history);
  else input.focus();
});

input.disabled = false;
send.disabled = false;
input.focus();
performance.mark("chat-ready");  // what the browser test measures as "usable"
