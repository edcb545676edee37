#include "match/noun_suffixes.hpp"

#include <array>
#include <span>

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
  for (const auto p : plural)
    for (const auto x : possessive) {
      const bool vowel_end = !x.empty() && (x.back() == 'i' || x.back() == 'u');
      for (const auto c : vowel_end ? std::span<const std::string_view>(after_vowel) : std::span<const std::string_view>(plain)) {
        std::string s(p);
        s += x;
        s += c;
        if (s.empty()) continue;
        tags_.insert(tag(s));
        spelled_.insert(std::move(s));
      }
    }
  tags_.erase("");
}

bool noun_suffixes::known(std::string_view suffix) const {
  const std::string s(suffix);
  return spelled_.count(s) != 0 || tags_.count(s) != 0;
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
  return s;
}

}  // namespace gateway
