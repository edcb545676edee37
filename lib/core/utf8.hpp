// Cutting UTF-8 text into pieces without splitting a character (how finished answers are replayed
// as stream deltas), and telling well-formed UTF-8 from bytes that are not (log lines: a client's
// bytes are escaped, never copied into a line as they are when they are not text).
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace gateway {

/// The length of the next piece of `text`: `target` bytes, extended to the end of the character the
/// cut would otherwise fall into (never a split code point; invalid bytes are not our concern
/// here).
inline std::size_t utf8_piece(std::string_view text, std::size_t target) {
  std::size_t cut = std::min(text.size(), target);
  while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
  return cut;
}

/// The length (1 to 4) of the well-formed UTF-8 sequence at the start of `text`, or 0 when there
/// is none: a continuation byte out of place, a sequence cut short, an overlong form, a surrogate,
/// past U+10FFFF, or `text` empty (the Unicode Standard's table 3-7 of well-formed sequences).
inline std::size_t utf8_sequence_length(std::string_view text) noexcept {
  if (text.empty()) return 0;
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto cont = [&](std::size_t i, unsigned char lo = 0x80, unsigned char hi = 0xbf) {
    return i < text.size() && b(i) >= lo && b(i) <= hi;
  };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  if (lead < 0xc2) return 0;  // a continuation byte, or C0/C1: an overlong two-byte form
  if (lead < 0xe0) return cont(1) ? 2 : 0;
  if (lead < 0xf0) {
    const unsigned char lo = lead == 0xe0 ? 0xa0 : 0x80;  // E0: no overlong form
    const unsigned char hi = lead == 0xed ? 0x9f : 0xbf;  // ED: no surrogate
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead < 0xf5) {
    const unsigned char lo = lead == 0xf0 ? 0x90 : 0x80;  // F0: no overlong form
    const unsigned char hi = lead == 0xf4 ? 0x8f : 0xbf;  // F4: nothing past U+10FFFF
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

}  // namespace gateway
