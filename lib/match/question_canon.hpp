// The canonical form of a Turkish finance question, for the similar-question cache: two questions
// get the same form when they ask the same thing in other words, and then share one cache entry.
// The form is itself the key (a string), so any store shared by several instances needs nothing
// more; lookups stay O(1) however many entries there are (docs/api.md, "Similar questions").
//
// From the folded question (question_normalizer: case and diacritics folded, so "Yatırım" and
// "YATIRIM" and "yatirim" are alike):
//  1. words, numbers and percentages: a suffix after an apostrophe is dropped ("100'ün" -> 100),
//     letters and digits are split ("bist100"), "yüzde 5", "%5" and "5%" are one token, decimal
//     commas and thousands dots are normalized; a question particle written onto a verb is split off
//     ("yükselirmi");
//  2. the present continuous is read as the general present ("hesaplanıyor" -> "hesaplanır");
//  3. question-form phrases (data/question_words.txt) are dropped: "nedir", "ne demek", "açıklar
//     mısın", "lütfen", the particles mı/mi/mu/mü;
//  4. each word is reduced to its root: finance roots with their noun suffixes (data/roots.txt),
//     else Snowball's Turkish stemmer, where its stem is long enough to be safe;
//  5. synonyms become one name (data/synonyms.txt);
//  6. words are sorted (order does not change what is asked), while numbers and assets keep their
//     order ("dolardan euroya" is not "eurodan dolara") and are never changed;
//  7. repeated until nothing changes, so canonical(canonical(q)) == canonical(q); a question that
//     has not settled after 32 rounds keeps its exact form (`similar` false).
// Nothing is fuzzy: words that differ (enflasyon/deflasyon, yükselmek/düşmek, 30/100, THYAO/GARAN,
// a negated verb) stay different tokens, so look-alikes never share a form. A question that is
// only question words, or longer than `max_tokens` words, keeps its exact form (`similar` false).
// Threading: thread-safe after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

struct canonical_question {
  std::string text;
  bool similar = true;  // false: the exact form (nothing to match on, or too long to match safely)
};

class question_canon {
 public:
  /// Parses the data files' texts (see lib/match/data/).
  question_canon(std::string_view question_words, std::string_view synonyms, std::string_view roots,
                 std::size_t max_tokens = 16);
  ~question_canon();
  question_canon(const question_canon&) = delete;
  question_canon& operator=(const question_canon&) = delete;

  /// With the data files built into the binary.
  static std::unique_ptr<question_canon> builtin();

  /// `folded` is question_normalizer's output for the question. Recent questions are remembered
  /// per thread, so a repeated question costs one hash lookup (the cache-hit path is hot).
  canonical_question operator()(std::string_view folded) const;
  /// The same, without the memo.
  canonical_question compute(std::string_view folded) const;

 private:
  struct data;
  /// One pass of the steps above over a question's words.
  std::string once(std::vector<std::string> words) const;
  std::unique_ptr<data> data_;
  std::uint64_t id_;  // tells the per-thread memo which instance (which data) it holds forms of
};

}  // namespace gateway
