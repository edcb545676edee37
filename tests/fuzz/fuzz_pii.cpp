// libFuzzer target: lib/pii. For any text, restore(pseudonymise(text)) == text and no value found
// is left in what would go out; for the pseudonymised text taken as a model's answer, the streamed
// restore equals the whole restore at every cut (every cut of the first 512 bytes), as text pieces
// and as /chat events, whose JSON must stay readable.
#include "core/text.hpp"
#include "pii/pii_event_restorer.hpp"
#include "pii/pii_mapping.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace gateway;

namespace {

std::string event_of(std::string_view text) {
  std::string out = "data: {\"delta\":";
  append_json_string(out, text);
  out += "}\n\n";
  return out;
}

// The text of /chat delta events, read back with Boost.JSON.
std::string text_of(std::string_view sse) {
  std::string out;
  for (std::size_t at = 0; at < sse.size();) {
    const auto end = sse.find("\n\n", at);
    if (end == std::string_view::npos) std::abort();  // the restorer cut an event
    const auto block = sse.substr(at, end - at);
    at = end + 2;
    if (!block.starts_with("data: ")) std::abort();
    if (block == "data: [DONE]") continue;
    boost::system::error_code ec;
    const auto v = boost::json::parse(block.substr(6), ec);
    if (ec) std::abort();  // only valid UTF-8 is sent as events here
    if (const auto* o = v.if_object())
      if (const auto* d = o->if_contains("delta"); d && d->is_string())
        out += std::string(d->get_string());
  }
  return out;
}

// Strict UTF-8 (no overlong forms, surrogates or code points past U+10FFFF), as Boost.JSON reads
// it.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the second byte's range
    if (c < 0x80)
      n = 1;
    else if (c >= 0xC2 && c <= 0xDF)
      n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
      n = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  pii_mapping mapping;
  mapping.reserve(text);
  const auto found = find_pii(text);
  const auto out = mapping.pseudonymise(text, pii_kinds::all());
  if (out.has_value() != !found.empty()) std::abort();
  const std::string answer = out ? *out : std::string(text);
  if (mapping.restore(answer) != text) std::abort();
  for (std::size_t k = 1; k < found.size(); ++k)
    if (found[k].offset < found[k - 1].offset + found[k - 1].length)
      std::abort();  // overlapping values

  const auto whole = mapping.restore(answer);
  const auto n = std::min<std::size_t>(answer.size(), 512);
  const bool utf8 = valid_utf8(answer);
  for (std::size_t cut = 0; cut <= n; ++cut) {
    pii_restorer r(mapping);
    std::string streamed;
    r.feed(std::string_view(answer).substr(0, cut), streamed);
    r.feed(std::string_view(answer).substr(cut), streamed);
    r.finish(streamed);
    if (streamed != whole) std::abort();
    if (!utf8) continue;
    // Cut at a character boundary, as an upstream's JSON deltas are.
    if (cut < answer.size() && (static_cast<unsigned char>(answer[cut]) & 0xC0) == 0x80) continue;
    pii_event_restorer events(mapping, "delta");
    std::string sse;
    events.feed(event_of(std::string_view(answer).substr(0, cut)), sse);
    events.feed(event_of(std::string_view(answer).substr(cut)), sse);
    events.feed("data: [DONE]\n\n", sse);
    events.finish(sse);
    if (text_of(sse) != whole) std::abort();
  }
  return 0;
}
