// Normalizes a question for the response cache so that the same question typed differently shares
// one entry: Unicode case folding (Boost.Locale, ICU backend), Turkish letters and other accented
// Latin letters reduced to their base letter (the dotted/dotless i included), white space trimmed
// and collapsed, spaces before punctuation dropped, trailing ? . ! … ignored.
// Other scripts keep their letters and marks (only the case is folded).
// Threading: thread-safe after construction (the ICU locale is built once, at start-up).
#pragma once

#include <locale>
#include <string>
#include <string_view>

namespace gateway {

class question_normalizer {
 public:
  question_normalizer();

  /// `text` must be valid UTF-8 (request validation guarantees it).
  /// Pure: /chat remembers what it derived from recent questions (chat/question_memo.hpp).
  std::string operator()(std::string_view text) const;

 private:
  std::locale locale_;
};

}  // namespace gateway
