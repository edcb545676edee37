// One question to POST /chat with "stream": true, read as it arrives. Reports deltas and the
// response's cache headers through callbacks and ends with one outcome:
//   {kind: "done", cached, model}            the stream's done event (and [DONE]) arrived
//   {kind: "http", status, code, message, retryAfter}   an error status before any delta
//   {kind: "stream_error", code, message}    an error event ended the stream
//   {kind: "cut"}                            the body ended or broke without a done event
//   {kind: "aborted"}                        the caller's signal stopped it
//   {kind: "network"}                        the request never got an answer
// No DOM: app.js shows the outcome.
import { SseReader } from "./sse.js";

export async function askStream({ question, history, key, signal, onDelta, onHeaders }) {
  const headers = { "Content-Type": "application/json", Accept: "text/event-stream" };
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch("/chat", {
      method: "POST",
      headers,
      body: JSON.stringify({ question, history, stream: true }),
      signal,
    });
  } catch (e) {
    return { kind: signal?.aborted ? "aborted" : "network" };
  }
  onHeaders?.({ cache: response.headers.get("X-Cache"), match: response.headers.get("X-Cache-Match") });
  if (!response.ok) return httpError(response);

  // STREAM_RESPONSE=false answers JSON even when asked to stream.
  if (!(response.headers.get("Content-Type") || "").startsWith("text/event-stream")) {
    try {
      const body = await response.json();
      onDelta(body.answer ?? "");
      return { kind: "done", cached: !!body.cached, model: body.model };
    } catch (e) {
      return { kind: signal?.aborted ? "aborted" : "cut" };
    }
  }

  const reader = response.body.getReader();
  const sse = new SseReader();
  let outcome = null;
  const take = (events) => {
    for (const data of events) {
      if (outcome && outcome.kind !== "done") return;
      if (data === "[DONE]") continue;
      let event;
      try {
        event = JSON.parse(data);
      } catch (e) {
        outcome = { kind: "stream_error", code: "bad_event", message: "" };
        return;
      }
      if (typeof event.delta === "string") onDelta(event.delta);
      else if (event.done) outcome = { kind: "done", cached: !!event.cached, model: event.model };
      else if (event.error) outcome = { kind: "stream_error", code: event.error.code, message: event.error.message };
    }
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      take(sse.push(value));
    }
    take(sse.end());
  } catch (e) {
    if (signal?.aborted) return { kind: "aborted" };
    return outcome?.kind === "done" ? outcome : { kind: "cut" };
  }
  return outcome ?? { kind: "cut" };
}

async function httpError(response) {
  let code = "", message = "";
  try {
    const body = await response.json();
    code = body?.error?.code ?? "";
    message = body?.error?.message ?? "";
  } catch (e) {
    // not the gateway's JSON (a proxy's page): the status says enough
  }
  const retryAfter = parseRetryAfter(response.headers.get("Retry-After"));
  return { kind: "http", status: response.status, code, message, retryAfter };
}

/** Retry-After as whole seconds (delta-seconds or an HTTP date), or null. */
export function parseRetryAfter(value) {
  if (!value) return null;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}
