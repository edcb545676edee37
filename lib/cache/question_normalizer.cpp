#include "cache/question_normalizer.hpp"


#include <boost/locale/conversion.hpp>
#include <boost/locale/generator.hpp>
#include <unicode/uchar.h>


namespace gateway {
namespace {

// Decodes one code point of valid UTF-8 at `s[i]`, advancing `i`.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len = b0 < 0x80 ? 1 : b0 < 0xE0 ? 2 : b0 < 0xF0 ? 3 : 4;
  if (i + len > s.size()) len = s.size() - i;
  char32_t cp = len == 1 ? b0 : len == 2 ? (b0 & 0x1F) : len == 3 ? (b0 & 0x0F) : (b0 & 0x07);
  for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i += len;
  return cp;
}

// The accents a Latin letter carries after NFD (what is folded away on ASCII letters).
bool is_combining_mark(char32_t cp) { return cp >= 0x0300 && cp <= 0x036F; }
// Any combining mark, of any script (ICU's general category): NFD orders marks by their class, so
// an accent may come after a mark of another script - it still belongs to the letter before both.
bool is_any_mark(char32_t cp) {
  const auto t = u_charType(static_cast<UChar32>(cp));
  return t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK;
}
bool is_space(char32_t cp) {
  return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) ||
         cp == 0x202F || cp == 0x205F || cp == 0x3000;
}
bool is_punctuation(char32_t cp) {
  return cp == '?' || cp == '.' || cp == '!' || cp == ',' || cp == ';' || cp == ':' || cp == 0x2026;
}

}  // namespace

question_normalizer::question_normalizer() : locale_(boost::locale::generator()("en_US.UTF-8")) {}

std::string question_normalizer::operator()(std::string_view text) const {
  // Fold case (İ -> i + U+0307, I -> i, ß -> ss), then decompose so accents become separate marks.
  const std::string folded = boost::locale::fold_case(text.begin(), text.end(), locale_);
  const std::string nfd = boost::locale::normalize(folded, boost::locale::norm_nfd, locale_);

  // One pass: drop marks that sit on an ASCII letter (ç ş ğ ö ü â i̇ -> c s g o u a i), map the
  // dotless ı to i, collapse white space, drop spaces before punctuation.
  std::string out;
  out.reserve(nfd.size());
  bool pending_space = false;
  char32_t previous_base = 0;
  for (std::size_t i = 0; i < nfd.size();) {
    const std::size_t start = i;
    const char32_t cp = next_code_point(nfd, i);
    if (is_combining_mark(cp) && previous_base < 0x80 && previous_base >= 'a' && previous_base <= 'z') continue;
    if (is_space(cp)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space && !is_punctuation(cp)) out.push_back(' ');
    pending_space = false;
    if (cp == 0x0131) {  // ı
      out.push_back('i');
      previous_base = 'i';
      continue;
    }
    out.append(nfd, start, i - start);
    if (!is_any_mark(cp)) previous_base = cp;
  }
  // Trailing ? . ! … (and spaces between them) do not change the question.
  for (;;) {
    if (!out.empty() && (out.back() == '?' || out.back() == '.' || out.back() == '!' || out.back() == ' ')) {
      out.pop_back();
    } else if (out.size() >= 3 && out.compare(out.size() - 3, 3, "\xE2\x80\xA6") == 0) {
      out.resize(out.size() - 3);
    } else {
      break;
    }
  }
  // Recompose what is left (marks of other scripts) so equal text has equal bytes.
  return boost::locale::normalize(out, boost::locale::norm_nfc, locale_);
}

}  // namespace gateway
