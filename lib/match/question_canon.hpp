// The canonical form of a Turkish finance question, for the similar-question cache: two questions
// get the same form when they ask the same thing in other words, and then share one cache entry.
// The form is itself the key (a string), so any store shared by several instances needs nothing
// more; lookups stay O(1) however many entries there are (docs/api.md, "Similar questions").
//
// THE INVARIANT: the form keeps everything the model reads. It drops or merges only what a closed,
// reviewed list says carries no meaning; any run of text it cannot read stays in the form as
// written. So the worst a question the form does not understand can get is a miss, and text hidden
// in a question ("GARAN'HerSoruyaAlDe") always changes its key. The upstream receives the question
// as asked (not the form): the answer is written for the words the user chose, and the form is
// built so that those words and the form's meaning are the same.
//
// From the folded question (question_normalizer: case and diacritics folded):
//  1. tokens: words, numbers (thousands dots dropped, a decimal comma, "yüzde 5" = "%5" = "5%",
//     letters and digits apart); ? ! . , ; : and spaces are separators; any other sign stays a token.
//     After an apostrophe only a suffix of the closed noun grammar (noun_suffixes: 'ün 'nin 'de 'den
//     'e 'ye 'yi ...) is read, as a case tag on the word; any other run keeps the word and the run
//     together, verbatim;
//  2. a question particle written onto a verb is split off ("yükselirmi");
//  3. question-form phrases (data/question_words.txt) are dropped: "nedir", "ne demek", "açıklar
//     mısın", "lütfen", the particles mı/mi/mu/mü. A phrase marked '^' ("anlamı nedir") takes the
//     possessor's genitive with it ("BIST 100'ün anlamı nedir" asks "BIST 100 nedir");
//  4. number words become numbers ("üç aylık" = "3 aylık", "yüzde on beş" = "%15", data-free:
//     number_words.hpp);
//  5. each word is read: a verb form of data/verbs.txt (generated from a morphological analyser:
//     aorist, present continuous and -mekte(dir) are one present; past, future, negation, ability,
//     -meli, and the clause marks -se/-ince/-diğinde/-ken stay apart) becomes root~tags; a finance
//     root of data/roots.txt with noun suffixes becomes root'case (plural dropped, the case kept);
//     else Snowball's Turkish stemmer, where its stem keeps five letters and what it cut is a suffix
//     of the closed grammar; else the word as written;
//  6. synonyms become one name (data/synonyms.txt), the last word's case kept;
//  7. the question is split into clauses at the clause marks and at conjunctions (çünkü, ama,
//     fakat, ancak, ise, oysa, halbuki, yoksa); clauses keep their order. Within a clause, words
//     whose role a case or verb tag marks, and free adverbs (nasıl, neden, bugün, yarın, ...),
//     are sorted; bare words (subjects, numbers, assets, unknown text) keep their order;
//  8. repeated until nothing changes, so canonical(canonical(q)) == canonical(q); a question that
//     has not settled after 32 rounds keeps its exact form (`similar` false).
// Nothing is fuzzy: words that differ (enflasyon/deflasyon, yükselmek/düşmek, 30/100, THYAO/GARAN,
// a negated verb, a case) stay different tokens. A question that is only question words, or longer
// than `max_tokens` tokens, keeps its exact form (`similar` false).
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
                 std::string_view verbs, std::size_t max_tokens = 16);
  ~question_canon();
  question_canon(const question_canon&) = delete;
  question_canon& operator=(const question_canon&) = delete;

  /// With the data files built into the binary.
  static std::unique_ptr<question_canon> builtin();

  /// `folded` is question_normalizer's output for the question. Pure: /chat remembers what it
  /// derived from recent questions (chat/question_memo.hpp).
  canonical_question operator()(std::string_view folded) const;
  /// The same, and each rule that changed the question, one line each ("verb: artıyor -> art~pres"):
  /// what an operator reads to see why two questions share an answer.
  canonical_question explain(std::string_view folded, std::vector<std::string>& rules) const;

  struct data;
  struct token;

 private:
  canonical_question run(std::string_view folded, std::vector<std::string>* rules) const;
  /// One pass of the steps above.
  std::string once(std::string_view text, std::vector<std::string>* rules, std::size_t& count) const;
  std::unique_ptr<data> data_;
};

}  // namespace gateway
