#include "match/noun_suffixes.hpp"

#include <array>
#include <span>
#include <unordered_map>

namespace gateway {
namespace {

bool vowel(char c) { return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u'; }

}  // namespace

noun_suffixes::noun_suffixes() {
  const std::array<std::string_view, 3> plural{"", "lar", "ler"};
  const std::array<std::string_view, 18> possessive{"",     "i",    "u",    "si",   "su",  "im",  "um", "imiz", "umuz",
                                                    "iniz", "unuz", "lari", "leri", "miz", "muz", "niz", "nuz", "m"};
  const std::array<std::string_view, 34> plain{"",   "i",   "u",   "yi",  "yu",  "e",   "a",   "ye",   "ya",
                                               "de", "da",  "te",  "ta",  "den", "dan", "ten", "tan",  "in",
                                               "un", "nin", "nun", "le",  "la",  "yle", "yla", "ki",   "deki",
                                               "daki", "teki", "taki", "dir", "dur", "tir", "tur"};
  const std::array<std::string_view, 16> after_vowel{"",    "ni",  "nu",  "ne",  "na",    "nde",   "nda", "nden",
                                                     "ndan", "nin", "nun", "yle", "yla", "ndeki", "ndaki", "dir"};
  // The third person's possessive spelled after a vowel, for each case spelled after a consonant:
  // "borcumu" (my debt, accusative) reads as "borcunu" (its debt, accusative).
  const auto third_person = [](std::string_view c) -> std::string {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"i", "ni"},  {"u", "ni"},  {"yi", "ni"}, {"yu", "ni"}, {"e", "ne"},   {"a", "ne"},   {"ye", "ne"},  {"ya", "ne"},
        {"de", "nde"}, {"da", "nde"}, {"te", "nde"}, {"ta", "nde"}, {"den", "nden"}, {"dan", "nden"}, {"ten", "nden"},
        {"tan", "nden"}, {"in", "nin"}, {"un", "nin"}, {"nin", "nin"}, {"nun", "nin"}, {"le", "yle"}, {"la", "yle"},
        {"yle", "yle"}, {"yla", "yle"}, {"ki", "ki"}, {"deki", "ndeki"}, {"daki", "ndeki"}, {"teki", "ndeki"},
        {"taki", "ndeki"}, {"dir", "dir"}, {"dur", "dir"}, {"tir", "dir"}, {"tur", "dir"}, {"", ""}};
    for (const auto& [from, to] : cases)
      if (from == c) return "si" + std::string(to);
    return {};
  };
  std::unordered_map<std::string, std::string> read_as;  // spelling -> its tag; "" where readings disagree
  std::unordered_set<std::string> ambiguous;
  for (const auto p : plural)
    for (const auto x : possessive) {
      const bool vowel_end = !x.empty() && (x.back() == 'i' || x.back() == 'u');
      // The first and second persons' possessives read as the third's: a finance question about
      // "hesabım" asks what one about "hesabı" asks.
      const bool personal = !x.empty() && x != "i" && x != "u" && x != "si" && x != "su" && x != "lari" && x != "leri";
      for (const auto c : vowel_end ? std::span<const std::string_view>(after_vowel) : std::span<const std::string_view>(plain)) {
        std::string s(p);
        s += x;
        s += c;
        if (s.empty()) continue;
        auto t = personal ? tag(third_person(c)) : tag(s);
        if (auto [it, fresh] = read_as.emplace(s, t); !fresh && it->second != t) ambiguous.insert(s);
      }
    }
  for (auto& [s, t] : read_as) {
    // Two readings that mean different things keep the spelling's own tag.
    if (ambiguous.count(s)) t = tag(s);
    tags_.insert(t);
  }
  spelled_ = std::move(read_as);
  tags_.erase("");
}

bool noun_suffixes::known(std::string_view suffix) const {
  const std::string s(suffix);
  return spelled_.count(s) != 0 || tags_.count(s) != 0;
}

std::string noun_suffixes::read(std::string_view suffix) const {
  const std::string s(suffix);
  if (const auto it = spelled_.find(s); it != spelled_.end()) return it->second;
  return tag(s);  // a tag reads as itself
}

std::string noun_suffixes::tag(std::string_view suffix) {
  std::string s(suffix);
  if (s.starts_with("lar") || s.starts_with("ler")) s.erase(0, 3);
  // A buffer letter before a vowel (or the n of "-nde", "-nden"): "yi", "si", "ni", "nin", "nde".
  if (s.size() >= 2 && (s[0] == 'y' || s[0] == 'n' || s[0] == 's') && (vowel(s[1]) || s[1] == 'd')) s.erase(0, 1);
  for (auto& c : s) {
    if (c == 'e') c = 'a';
    else if (c == 'u') c = 'i';
    else if (c == 't') c = 'd';
  }
  // The copula -dir carries no meaning in a question ("kaç gündür" asks "kaç gün").
  if (s.ends_with("dir")) s.resize(s.size() - 3);
  return s;
}

}  // namespace gateway
