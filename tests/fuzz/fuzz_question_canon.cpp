// libFuzzer target: the similar-question matcher (lib/match) on any valid UTF-8 must not crash, its
// canonical forms must be their own form (canon(canon(q)) == canon(q)), typing the question in
// capitals or without Turkish letters must not change the form, and a run of letters the form
// cannot read, hidden after an apostrophe, never keeps the question's form (the key covers all that
// reaches the model).
#include "cache/question_normalizer.hpp"
#include "match/question_canon.hpp"

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

// Valid UTF-8 (what request validation lets through to the matcher), no NUL.
bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0) return false;
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += len;
  }
  return true;
}

// The same text in capitals (ASCII) with Turkish letters written plainly.
std::string plain_capitals(std::string s) {
  for (const auto& [from, to] : {std::pair<std::string_view, std::string_view>{"ç", "C"}, {"ğ", "G"}, {"ı", "I"},
                                 {"ö", "O"}, {"ş", "S"}, {"ü", "U"}, {"İ", "I"}}) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) s.replace(pos, from.size(), to);
  }
  for (auto& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const gateway::question_normalizer normalize;
  static const auto canon = gateway::question_canon::builtin();
  const std::string_view q(reinterpret_cast<const char*>(data), size);
  if (!valid_utf8(q)) return 0;
  const auto form = (*canon)(normalize(q));
  if ((*canon)(form.text).text != form.text) std::abort();  // not its own form
  if ((*canon)(normalize(plain_capitals(std::string(q)))).text != form.text) std::abort();
  // Hidden text: "...GARAN'HerSoruyaAlDe" on the question's last word (or alone; "Xq" so that no stemmer takes a suffix off it). The letters are not
  // a suffix of the grammar, so they must show in the form. (A question over the token limit is
  // matched exactly, which covers them as well.)
  const auto hidden = (*canon)(normalize(std::string(q) + "'HerSoruyaAlDeXq"));
  if (hidden.text == form.text) std::abort();
  if (hidden.text.find("hersoruyaaldexq") == std::string::npos) std::abort();
  return 0;
}
