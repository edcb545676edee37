// Server-Sent Events read from a fetch() body: bytes -> text -> lines -> events. The decoder keeps
// a UTF-8 character cut across chunks until its last byte arrives, and a line cut across chunks
// until its end, so a split anywhere gives the same events. No DOM: unit-tested under node
// (tests/browser/page_units.test.mjs).

export class SseReader {
  #decoder = new TextDecoder("utf-8");
  #pending = "";  // text after the last complete line
  #data = [];     // data lines of the event being read

  /** Feeds a chunk of bytes; returns the data of every event it completes, in order. */
  push(bytes) {
    this.#pending += this.#decoder.decode(bytes, { stream: true });
    return this.#drain(false);
  }

  /** The body ended: flushes the decoder. An event without its closing blank line is dropped. */
  end() {
    this.#pending += this.#decoder.decode();
    return this.#drain(true);
  }

  #drain(atEnd) {
    const events = [];
    let start = 0;
    for (;;) {
      let i = start;
      while (i < this.#pending.length && this.#pending[i] !== "\n" && this.#pending[i] !== "\r") ++i;
      if (i === this.#pending.length) break;
      // "\r" may be the first half of "\r\n": wait for the next chunk unless the body ended.
      if (this.#pending[i] === "\r" && i + 1 === this.#pending.length && !atEnd) break;
      this.#line(this.#pending.slice(start, i), events);
      start = this.#pending[i] === "\r" && this.#pending[i + 1] === "\n" ? i + 2 : i + 1;
    }
    this.#pending = this.#pending.slice(start);
    return events;
  }

  #line(line, events) {
    if (line === "") {  // the blank line that ends an event
      if (this.#data.length) events.push(this.#data.join("\n"));
      this.#data = [];
      return;
    }
    if (line.startsWith(":")) return;  // a comment (the gateway's keep-alive)
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") this.#data.push(value);
    // event, id and retry are not used by /chat.
  }
}
