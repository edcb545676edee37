#include "match/question_canon.hpp"

#include "core/text_memo.hpp"
#include "match/match_data.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <span>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace gateway {
namespace {

using tokens = std::vector<std::string>;

// The data files: '#' comments, blank lines skipped, the rest of each line trimmed.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    auto line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r' || line.back() == '\t')) line.remove_suffix(1);
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    if (!line.empty() && line.front() != '#') out.push_back(line);
  }
  return out;
}

tokens words_of(std::string_view phrase) {
  tokens out;
  while (!phrase.empty()) {
    const auto sp = phrase.find(' ');
    if (sp != 0) out.emplace_back(phrase.substr(0, sp));
    phrase = sp == std::string_view::npos ? std::string_view{} : phrase.substr(sp + 1);
  }
  return out;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto at = s.find(sep);
    out.push_back(s.substr(0, at));
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_word_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c >= 0x80; }
bool is_number(std::string_view t) { return !t.empty() && (is_digit(t.front()) || t.front() == '%'); }
bool ends_with(std::string_view s, std::string_view tail) { return s.size() >= tail.size() && s.ends_with(tail); }

// The length of an apostrophe at s[i] (' ` ’ ‘ ´), or 0.
std::size_t apostrophe_at(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c == '\'' || c == '`') return 1;
  if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
      (static_cast<unsigned char>(s[i + 2]) == 0x99 || static_cast<unsigned char>(s[i + 2]) == 0x98))
    return 3;
  if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xB4) return 2;
  return 0;
}

// Numbers as one spelling: thousands dots dropped ("1.000" -> 1000), the decimal mark a comma
// ("2.5" and "2,5" -> 2,5), as Turkish writes them.
std::string number_form(std::string_view raw) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '.') {
      std::size_t digits = 0;
      while (i + 1 + digits < raw.size() && is_digit(raw[i + 1 + digits])) ++digits;
      const bool group_ends = i + 1 + digits == raw.size() || !is_digit(raw[i + 1 + digits]);
      if (digits == 3 && group_ends && out.find(',') == std::string::npos) continue;  // thousands
      out += ',';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ',') out.pop_back();
  return out;
}

// Words, numbers and percentages of folded text (step 1 of the header).
tokens tokenize(std::string_view s) {
  tokens out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '%' && i + 1 < s.size() && is_digit(s[i + 1])) {
      std::size_t j = i + 1;
      while (j < s.size() && (is_digit(s[j]) || ((s[j] == ',' || s[j] == '.') && j + 1 < s.size() && is_digit(s[j + 1])))) ++j;
      auto number = number_form(s.substr(i + 1, j - i - 1));
      number.insert(number.begin(), '%');  // GCC 12 warns falsely on "%" + string
      out.push_back(std::move(number));
      i = j;
      continue;
    }
    if (is_digit(static_cast<char>(c))) {
      std::size_t j = i;
      while (j < s.size() && (is_digit(s[j]) || ((s[j] == ',' || s[j] == '.') && j + 1 < s.size() && is_digit(s[j + 1])))) ++j;
      auto number = number_form(s.substr(i, j - i));
      if (j < s.size() && s[j] == '%') {  // 5% -> %5
        number.insert(number.begin(), '%');
        ++j;
      } else if (!out.empty() && out.back() == "yuzde") {  // yüzde 5 -> %5
        out.pop_back();
        number.insert(number.begin(), '%');
      }
      out.push_back(std::move(number));
      i = j;
      if (i < s.size() && apostrophe_at(s, i)) {  // 100'ün: the suffix goes
        i += apostrophe_at(s, i);
        while (i < s.size() && is_word_byte(static_cast<unsigned char>(s[i])) && !is_digit(s[i])) ++i;
      }
      continue;
    }
    if (is_word_byte(c) && !apostrophe_at(s, i)) {
      std::size_t j = i;
      while (j < s.size() && is_word_byte(static_cast<unsigned char>(s[j])) && !is_digit(s[j]) && !apostrophe_at(s, j)) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
      if (i < s.size() && apostrophe_at(s, i)) {  // THYAO'nun, BIST'in: the suffix goes
        i += apostrophe_at(s, i);
        while (i < s.size() && is_word_byte(static_cast<unsigned char>(s[i])) && !is_digit(s[i])) ++i;
      }
      continue;
    }
    ++i;
  }
  return out;
}

// Turkish letters a stem may contain (Snowball writes ç for a final c), folded as the normalizer does.
std::string fold_letters(std::string s) {
  static constexpr std::array<std::pair<std::string_view, char>, 6> letters{
      {{"\xC3\xA7", 'c'}, {"\xC4\x9F", 'g'}, {"\xC4\xB1", 'i'}, {"\xC3\xB6", 'o'}, {"\xC5\x9F", 's'}, {"\xC3\xBC", 'u'}}};
  for (const auto& [from, to] : letters)
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) s.replace(pos, from.size(), 1, to);
  return s;
}

struct stemmer_free {
  void operator()(sb_stemmer* s) const { sb_stemmer_delete(s); }
};

// Snowball's Turkish stemmer; one per thread (a stemmer object is not thread-safe).
std::string snowball(const std::string& word) {
  thread_local std::unique_ptr<sb_stemmer, stemmer_free> stemmer(sb_stemmer_new("turkish", "UTF_8"));
  if (!stemmer) throw std::runtime_error("the Snowball Turkish stemmer is unavailable");
  const auto* out = sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()),
                                    static_cast<int>(word.size()));
  if (!out) return word;
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(sb_stemmer_length(stemmer.get())));
}

// Noun suffixes after a root (folded): [plural] [possessive] [case], the buffer letters included.
std::unordered_set<std::string> noun_suffixes() {
  const std::array<std::string_view, 3> plural{"", "lar", "ler"};
  const std::array<std::string_view, 18> possessive{"",    "i",    "u",    "si",   "su",   "im",   "um",   "imiz", "umuz",
                                                    "iniz", "unuz", "lari", "leri", "miz", "muz", "niz",  "nuz",  "m"};
  const std::array<std::string_view, 34> plain{"",   "i",   "u",   "yi",  "yu",  "e",    "a",    "ye",   "ya",
                                               "de", "da",  "te",  "ta",  "den", "dan",  "ten",  "tan",  "in",
                                               "un", "nin", "nun", "le",  "la",  "yle",  "yla",  "ki",   "deki",
                                               "daki", "teki", "taki", "dir", "dur", "tir", "tur"};
  const std::array<std::string_view, 16> after_vowel{"",    "ni",  "nu",  "ne",    "na",    "nde", "nda", "nden",
                                                     "ndan", "nin", "nun", "yle",  "yla",   "ndeki", "ndaki", "dir"};
  std::unordered_set<std::string> out;
  for (const auto p : plural)
    for (const auto x : possessive) {
      const bool vowel_end = !x.empty() && (x.back() == 'i' || x.back() == 'u');
      for (const auto c : vowel_end ? std::span<const std::string_view>(after_vowel) : std::span<const std::string_view>(plain)) {
        std::string s(p);
        s += x;
        s += c;
        out.insert(std::move(s));
      }
    }
  out.erase("");
  return out;
}

}  // namespace

struct question_canon::data {
  // Phrases by their first word, longest first.
  using phrase_index = std::unordered_map<std::string, std::vector<std::pair<tokens, tokens>>>;
  phrase_index drops;     // question-form phrase -> nothing
  phrase_index synonyms;  // variant -> the group's name
  struct root {
    std::string name;
    bool asset = false;
  };
  std::unordered_map<std::string, root> forms;  // a root's written forms -> the root
  std::unordered_set<std::string> assets;       // roots (and synonym names) whose order is kept
  std::unordered_set<std::string> suffixes = noun_suffixes();
  std::size_t max_tokens = 16;

  static void add(phrase_index& index, tokens from, tokens to) {
    if (from.empty()) return;
    auto& list = index[from.front()];
    list.emplace_back(std::move(from), std::move(to));
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  }

  // Replaces every longest match of `index` in `in`.
  static tokens rewrite(const phrase_index& index, const tokens& in) {
    tokens out;
    for (std::size_t i = 0; i < in.size();) {
      const std::pair<tokens, tokens>* match = nullptr;
      if (auto it = index.find(in[i]); it != index.end()) {
        for (const auto& candidate : it->second) {
          const auto& words = candidate.first;
          if (i + words.size() <= in.size() && std::equal(words.begin(), words.end(), in.begin() + static_cast<std::ptrdiff_t>(i))) {
            match = &candidate;
            break;
          }
        }
      }
      if (!match) {
        out.push_back(in[i++]);
        continue;
      }
      out.insert(out.end(), match->second.begin(), match->second.end());
      i += match->first.size();
    }
    return out;
  }

  // Step 4: the root of one word.
  std::string lemma(const std::string& word) const {
    if (is_number(word)) return word;
    if (auto it = forms.find(word); it != forms.end()) return it->second.name;
    for (std::size_t len = word.size() - 1; len >= 2; --len) {
      auto it = forms.find(word.substr(0, len));
      if (it == forms.end()) continue;
      const auto rest = word.substr(len);
      // Short roots take only suffixes of two letters or more: "yeni" is not "yen" + "i".
      if (suffixes.count(rest) && (len > 3 || rest.size() >= 2)) return it->second.name;
    }
    // Snowball, to a fixed point, where its stem keeps at least five letters: shorter stems of
    // folded words are often wrong (altin -> alt, dolar -> do, kartı -> kar).
    std::string stem = word;
    // Each round shortens the stem (or stops): at most one round per letter.
    for (std::size_t round = 0; round < word.size(); ++round) {
      auto next = fold_letters(snowball(stem));
      if (next.size() >= stem.size() || next.size() < 5) break;
      // Snowball leaves the buffer letter of a possessive ("buyumesi" -> "buyumes"): it belongs to the suffix.
      if (next.size() + 1 == stem.size() && (ends_with(stem, "si") || ends_with(stem, "su")) && next.size() >= 6)
        next.pop_back();
      stem = std::move(next);
    }
    if (auto it = forms.find(stem); it != forms.end()) return it->second.name;
    return stem;
  }
};

question_canon::question_canon(std::string_view question_words, std::string_view synonyms, std::string_view roots,
                               std::size_t max_tokens)
    : data_(std::make_unique<data>()) {
  static std::atomic<std::uint64_t> instances{0};
  id_ = ++instances;
  data_->max_tokens = max_tokens;
  for (const auto line : lines_of(question_words)) data::add(data_->drops, words_of(line), {});
  for (const auto line : lines_of(roots)) {
    auto fields = words_of(line);
    const bool asset = fields.size() > 1 && fields[1] == "asset";
    const auto forms = split(fields.front(), '|');
    const std::string name(forms.front());
    for (const auto f : forms) data_->forms[std::string(f)] = {name, asset};
    if (asset) data_->assets.insert(name);
  }
  for (const auto line : lines_of(synonyms)) {
    const auto variants = split(line, '|');
    auto name = words_of(variants.front());
    for (const auto v : variants) data::add(data_->synonyms, words_of(v), name);
  }
}

question_canon::~question_canon() = default;

std::unique_ptr<question_canon> question_canon::builtin() {
  return std::make_unique<question_canon>(match_data::question_words(), match_data::synonyms(), match_data::roots());
}

std::string question_canon::once(tokens words) const {
  const auto& d = *data_;
  // A particle written onto a verb or noun: "yukselirmi", "dolarmi".
  for (auto& w : words) {
    for (const std::string_view p : {"misiniz", "musunuz", "misin", "musun", "miyim", "muyum", "midir", "mudur", "mi", "mu"}) {
      if (w.size() >= p.size() + 3 && ends_with(w, p)) {
        const auto rest = std::string_view(w).substr(0, w.size() - p.size());
        if (ends_with(rest, "r") || ends_with(rest, "yor")) {
          w.resize(rest.size());
          break;
        }
      }
    }
  }
  // Step 2: the present continuous read as the general present (hesaplaniyor -> hesaplanir).
  for (auto& w : words)
    if (w.size() >= 6 && (ends_with(w, "iyor") || ends_with(w, "uyor"))) w.replace(w.size() - 3, 3, "r");
  words = data::rewrite(d.drops, words);
  for (auto& w : words) w = d.lemma(w);
  words = data::rewrite(d.synonyms, words);

  tokens plain, guards;
  for (auto& w : words) {
    if (is_number(w) || d.assets.count(w)) {
      if (guards.empty() || guards.back() != w) guards.push_back(std::move(w));
    } else {
      plain.push_back(std::move(w));
    }
  }
  std::sort(plain.begin(), plain.end());
  plain.erase(std::unique(plain.begin(), plain.end()), plain.end());
  std::string out;
  for (const auto* list : {&plain, &guards})
    for (const auto& w : *list) {
      if (!out.empty()) out += ' ';
      out += w;
    }
  return out;
}

canonical_question question_canon::operator()(std::string_view folded) const {
  constexpr std::size_t memo_max_question = 512;
  thread_local text_memo<canonical_question> recent(1 << 20);
  if (folded.size() > memo_max_question) return compute(folded);
  recent.owned_by(id_);  // forms of another instance's data never answer for this one
  if (const auto* known = recent.find(folded)) return *known;
  auto form = compute(folded);
  const auto charge = folded.size() + form.text.size() + 64;
  return recent.put(folded, std::move(form), charge);
}

canonical_question question_canon::compute(std::string_view folded) const {
  auto words = tokenize(folded);
  if (words.size() > data_->max_tokens) return {std::string(folded), false};
  // To a fixed point, so canonical forms are their own form. A round may take one more suffix off
  // a word that Snowball and step 2 shorten in turns ("...iyortiyor..."), so stacked suffixes take
  // rounds; a question that does not settle within the bound (or would cycle) keeps its exact form,
  // which is trivially its own form - a miss, never a wrong match.
  constexpr int max_rounds = 32;
  std::string form = once(std::move(words));
  for (int round = 0;; ++round) {
    if (round == max_rounds) return {std::string(folded), false};
    auto next = once(tokenize(form));
    if (next == form) break;
    form = std::move(next);
  }
  if (form.empty()) return {std::string(folded), false};
  return {std::move(form), true};
}

}  // namespace gateway
