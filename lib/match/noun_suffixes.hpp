// The closed grammar of Turkish noun suffixes the similar-question form reads (folded: ç->c ğ->g
// ı->i ö->o ş->s ü->u): [plural] [possessive] [case] [-ki] [-dir], buffer letters included. Every
// other run of letters after a root is text the form cannot read, and stays as written.
//
// A suffix keeps what it means as a *tag*: the plural goes (a question about "hisseler" asks about
// "hisse"), the vowels and the d/t of harmony and the buffer letter are folded (they follow from
// the root, not from the meaning), the copula -dir goes, a first or second person's possessive
// reads as the third's ("hesabım" as "hesabı"), and the rest stays: "faizi" -> faiz'i, "faize" ->
// faiz'a, "faizde" -> faiz'da, "faizden" -> faiz'dan, "faizin" -> faiz'in, so the case that marks a
// word's role (subject, object, from, to) is never dropped. A spelling the grammar reads two ways
// that would get two tags keeps its own spelling's tag.
// Pure; thread-safe after construction.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

namespace gateway {

class noun_suffixes {
 public:
  noun_suffixes();

  /// A run of letters the grammar spells (raw, as written after a root or an apostrophe), or a
  /// tag it produces (so a canonical form reads back as itself).
  bool known(std::string_view suffix) const;
  /// The tag of a known suffix (empty for none or the plural alone); a tag reads as itself.
  std::string read(std::string_view suffix) const;

 private:
  /// A spelling's own tag: plural, harmony, buffer letter and copula folded.
  static std::string tag(std::string_view suffix);
  std::unordered_map<std::string, std::string> spelled_;  // spelling -> its tag
  std::unordered_set<std::string> tags_;
};

}  // namespace gateway
