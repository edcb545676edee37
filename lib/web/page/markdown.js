// Answers as safe Markdown, rendered as they stream. Two layers keep an answer inert: marked
// renders raw HTML in the answer as text (an answer is shown, never run), and DOMPurify cleans
// what marked produced. Links open in a new tab with rel="noopener noreferrer"; images become
// links (the page loads nothing from elsewhere: its CSP says img-src 'self').
// Rendering is incremental: the part of the answer before stableCut() is rendered once, only
// the block being written is rendered again per frame (docs/web.md measures both ways).
import { Marked } from "./marked.esm.js";
import { stableCut } from "./blocks.js";

const purify = globalThis.DOMPurify;  // purify.min.js, loaded before the modules

const escapeHtml = (s) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const marked = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    html({ text }) {
      return escapeHtml(text);
    },
    image({ href, title, text }) {
      return `<a href="${escapeHtml(href ?? "")}"${title ? ` title="${escapeHtml(title)}"` : ""}>${escapeHtml(text || href || "")}</a>`;
    },
  },
});

purify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

const purifyOptions = { FORBID_TAGS: ["style", "img", "form", "input", "button", "textarea", "select"], FORBID_ATTR: ["style"] };

/** Markdown -> sanitized HTML. */
export function renderMarkdown(text) {
  return purify.sanitize(marked.parse(text), purifyOptions);
}

/** One answer on screen: append deltas; renders at most once per animation frame. */
export class AnswerView {
  #text = "";
  #stableEnd = 0;  // text before this is rendered in #done and stays
  #done;
  #tail;
  #frame = 0;

  constructor(element, { incremental = true } = {}) {
    this.incremental = incremental;
    this.#done = document.createElement("div");
    this.#tail = document.createElement("div");
    this.#done.className = "md";
    this.#tail.className = "md";
    element.replaceChildren(this.#done, this.#tail);
  }

  get text() {
    return this.#text;
  }

  append(delta) {
    this.#text += delta;
    if (!this.#frame) this.#frame = requestAnimationFrame(() => this.render());
  }

  /** Renders now (and cancels a pending frame); the stream's end calls it. */
  render() {
    if (this.#frame) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    if (this.incremental) {
      const cut = stableCut(this.#text, this.#stableEnd);
      if (cut > this.#stableEnd) {
        this.#done.insertAdjacentHTML("beforeend", renderMarkdown(this.#text.slice(this.#stableEnd, cut)));
        this.#stableEnd = cut;
      }
    }
    this.#tail.innerHTML = renderMarkdown(this.#text.slice(this.#stableEnd));
  }
}
