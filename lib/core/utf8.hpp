// Cutting UTF-8 text into pieces without splitting a character: how finished answers are replayed
// as stream deltas.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace gateway {

/// The length of the next piece of `text`: `target` bytes, extended to the end of the character the
/// cut would otherwise fall into (never a split code point; invalid bytes are not our concern here).
inline std::size_t utf8_piece(std::string_view text, std::size_t target) {
  std::size_t cut = std::min(text.size(), target);
  while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
  return cut;
}

}  // namespace gateway
