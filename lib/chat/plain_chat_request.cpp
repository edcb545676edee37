#include "chat/plain_chat_request.hpp"

#include "core/utf8.hpp"

#include <array>

namespace gateway {
namespace {

// The bytes a plain string takes as they are, one table lookup each: printable ASCII and DEL,
// but not the quote that ends it nor the backslash that would start an escape.
constexpr auto plain_ascii = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return t;
}();

// A string's bytes between its quotes, and how many code points they are.
struct plain_text {
  std::string_view bytes;
  std::size_t code_points = 0;
};

// A cursor over the body. Every reader returns false (or nullopt) as soon as the bytes leave the
// shape above; the caller then gives up on the whole body.
struct reader {
  std::string_view s;
  std::size_t i = 0;

  void space() {  // JSON's four: space, tab, line feed, carriage return
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  }
  bool eat(char c) {
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool word(std::string_view w) {
    if (s.substr(i, w.size()) != w) return false;
    i += w.size();
    return true;
  }
  // A string with no escape and no control character, well-formed UTF-8 (as Boost.JSON requires).
  std::optional<plain_text> plain_string() {
    if (!eat('"')) return std::nullopt;
    const auto start = i;
    std::size_t code_points = 0;
    for (;;) {
      const auto run = i;
      while (i < s.size() && plain_ascii[static_cast<unsigned char>(s[i])]) ++i;
      code_points += i - run;
      if (i == s.size()) return std::nullopt;
      const auto c = static_cast<unsigned char>(s[i]);
      if (c == '"') return plain_text{s.substr(start, i++ - start), code_points};
      if (c < 0x80) return std::nullopt;  // a backslash or a control character
      const auto n = utf8_sequence_length(s.substr(i));
      if (n == 0) return std::nullopt;
      i += n;
      ++code_points;
    }
  }
  // true or false; null is "not set" (as the full parser reads it): `value` keeps its default.
  bool flag(bool& value) {
    if (word("true")) value = true;
    else if (word("false")) value = false;
    else if (!word("null")) return false;
    return true;
  }
};

}  // namespace

std::optional<chat_request> parse_plain_chat_request(std::string_view body, const request_limits& limits) {
  reader r{body};
  std::optional<plain_text> question;
  bool stream = false, cache = true;
  bool seen_stream = false, seen_cache = false;
  r.space();
  if (!r.eat('{')) return std::nullopt;
  do {
    r.space();
    const auto key = r.plain_string();
    if (!key) return std::nullopt;
    r.space();
    if (!r.eat(':')) return std::nullopt;
    r.space();
    if (key->bytes == "question" && !question) {
      if (!(question = r.plain_string())) return std::nullopt;
    } else if (key->bytes == "stream" && !seen_stream) {
      seen_stream = true;
      if (!r.flag(stream)) return std::nullopt;
    } else if (key->bytes == "cache" && !seen_cache) {
      seen_cache = true;
      if (!r.flag(cache)) return std::nullopt;
    } else {
      return std::nullopt;  // another member, or one seen twice: the full parser decides
    }
    r.space();
  } while (r.eat(','));
  if (!r.eat('}')) return std::nullopt;
  r.space();
  if (r.i != body.size() || !question) return std::nullopt;
  const auto trimmed = trim_space(question->bytes);
  // Counted while it was read; again only when trimming took something (rare).
  const auto length = trimmed.size() == question->bytes.size() ? question->code_points : utf8_length(trimmed);
  if (trimmed.empty() || length > limits.max_question_chars) return std::nullopt;
  chat_request out;
  out.question = std::string(trimmed);
  out.stream = stream;
  out.cache = cache;
  return out;
}

}  // namespace gateway
