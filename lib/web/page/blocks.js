// Where a streamed Markdown answer can be cut so that the part before the cut never changes its
// rendering again: the incremental renderer (markdown.js) renders that part once and re-renders
// only the rest per delta. No DOM, no Markdown library: unit-tested under node.

const fence = /^ {0,3}(`{3,}|~{3,})/;

/**
 * The end of the longest prefix of `text` (at least `from`, which must itself be such a cut)
 * that ends with a blank line outside a fenced code block and is followed by a line that starts
 * a new block at column 0 (its first character is enough) - so an indented continuation of a
 * list item is never cut off.
 */
export function stableCut(text, from) {
  let cut = from;
  let open = null;         // the opening fence while inside a fenced block
  let blankBefore = false; // the previous complete line was blank (outside a fence)
  let pos = from;
  while (pos < text.length) {
    const nl = text.indexOf("\n", pos);
    const line = text.slice(pos, nl < 0 ? text.length : nl);
    // The first character of a line is enough to know it starts a block of its own.
    if (open === null && blankBefore && line.length > 0 && !/^\s/.test(line)) cut = pos;
    if (nl < 0) break;  // the rest of the last line is still to come
    const f = fence.exec(line);
    if (open === null && f) {
      open = f[1];
    } else if (open !== null && f && f[1][0] === open[0] && f[1].length >= open.length &&
               line.trim() === f[1]) {
      open = null;
    }
    blankBefore = open === null && line.trim() === "";
    pos = nl + 1;
  }
  return cut;
}
