#include "match/question_canon.hpp"

#include "match/match_data.hpp"
#include "match/noun_suffixes.hpp"
#include "match/number_words.hpp"

#include <libstemmer.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace gateway {
namespace {

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

std::vector<std::string> words_of(std::string_view phrase) {
  std::vector<std::string> out;
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
// No word of the data files is longer: a longer one is never looked up (hashing a 4,000-byte word
// in every table is most of a long question's cost) and stays as written.
constexpr std::size_t longest_readable = 48;
bool is_letter_byte(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80; }
bool ends_with(std::string_view s, std::string_view tail) { return s.size() >= tail.size() && s.ends_with(tail); }
// Separators that carry no meaning in a question (the closed list of step 1).
bool is_separator(unsigned char c) {
  return c == ' ' || c == '?' || c == '!' || c == '.' || c == ',' || c == ';' || c == ':' || c == '\t' || c == '\n' || c == '\r';
}

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

// The end of the run of letters at s[i] (an apostrophe ends it). Folded text is mostly a-z: those
// bytes are taken without asking whether they start an apostrophe.
std::size_t letters_end(std::string_view s, std::size_t i) {
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 'a' && b <= 'z') {
      ++i;
      continue;
    }
    if (!is_letter_byte(b) || apostrophe_at(s, i)) break;
    ++i;
  }
  return i;
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

// The verb tags a form may carry (data/verbs.txt and the generator's header).
bool is_verb_tag(std::string_view t) {
  for (const std::string_view k : {"pres", "past", "fut", "nec", "gen", "neg", "able", "pass", "p1", "p2", "cond", "when", "while"})
    if (t == k) return true;
  return false;
}
bool has_verb_tag(std::string_view verb_tags, std::string_view tag) {
  for (const auto t : split(verb_tags, '~'))
    if (t == tag) return true;
  return false;
}
bool ends_clause(std::string_view verb_tags) {
  for (const auto t : split(verb_tags, '~'))
    if (t == "cond" || t == "when" || t == "while") return true;
  return false;
}

bool spelled_like_clause_mark(std::string_view w) {
  for (const std::string_view tail : {"inca", "ince", "unca", "unce", "ken", "diginda", "tiginda", "dugunda", "tugunda",
                                      "rsa", "rse", "ysa", "yse"})
    if (w.size() >= tail.size() + 2 && w.ends_with(tail)) return true;
  return false;
}

// Free adverbs: their place in a clause does not change what is asked.
bool is_free_word(std::string_view w) {
  for (const std::string_view k : {"nasil", "neden", "nerede", "nereden", "bugun", "yarin", "dun", "simdi"})
    if (w == k) return true;
  return false;
}
// Conjunctions that join clauses: a clause ends before them, and they stay between the clauses.
bool is_conjunction(std::string_view w) {
  for (const std::string_view k : {"cunku", "ama", "fakat", "ancak", "ise", "oysa", "halbuki", "yoksa"})
    if (w == k) return true;
  return false;
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

// Appends `word` to a space-separated list (GCC 12 warns falsely on `(cond ? "" : " ") + word`).
void append_word(std::string& list, std::string_view word) {
  if (!list.empty()) list += ' ';
  list += word;
}

void note(std::vector<std::string>* rules, std::string line) {
  if (rules) rules->push_back(std::move(line));
}

}  // namespace

// One token of a question. `tag` is a noun's case ("faiz'a") or a verb's tags ("art~pres").
struct question_canon::token {
  enum class kind { word, number, verb, opaque, separator };
  kind k = kind::word;
  std::string text;
  std::string tag;
  bool read = false;  // a word already reduced (from an apostrophe or a form): not stemmed again
  const char* case_of_dropped = nullptr;  // the case that pointed at a dropped phrase: it goes too
  bool may_end_clause = false;  // a word the tables do not read that is spelled like a clause mark

  std::string render() const {
    if (k == kind::separator) return "|";
    if (k == kind::verb) return text + "~" + tag;
    if (tag.empty()) return text;
    return text + "'" + tag;
  }
  bool plain_word() const { return k == kind::word && tag.empty() && !read; }
};

struct question_canon::data {
  // Phrases by their first word, longest first.
  struct phrase {
    std::vector<std::string> from, to;
    bool takes_genitive = false;    // '^' in question_words.txt
    bool takes_accusative = false;  // '*' in question_words.txt
  };
  using phrase_index = std::unordered_map<std::string, std::vector<phrase>>;
  phrase_index drops;     // question-form phrase -> nothing
  phrase_index synonyms;  // variant -> the group's name
  struct root_form {
    std::string root;
    std::string tag;  // a form written out with its suffix ("kuru", "fonu") keeps the suffix's tag
  };
  std::unordered_map<std::string, root_form> forms;  // a root's written forms -> the root
  std::unordered_map<std::string, std::string> verbs;  // a verb form -> root~tags
  noun_suffixes suffixes;
  std::size_t max_tokens = 16;

  static void add(phrase_index& index, phrase p) {
    if (p.from.empty()) return;
    auto& list = index[p.from.front()];
    list.push_back(std::move(p));
    std::stable_sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.from.size() > b.from.size(); });
  }

  // Step 1: tokens of folded text (or of a form: "faiz'a", "art~pres", "|" read back as themselves).
  // Stops after `limit` tokens: a longer question is matched exactly, and reading all of a
  // 4,000-character one would be wasted.
  std::vector<token> tokenize(std::string_view s, std::vector<std::string>* rules, std::size_t limit) const {
    std::vector<token> out;
    std::size_t i = 0;
    auto number_at = [&](std::size_t j) {
      while (j < s.size() && (is_digit(s[j]) || ((s[j] == ',' || s[j] == '.') && j + 1 < s.size() && is_digit(s[j + 1])))) ++j;
      return j;
    };
    // After a word or number: an apostrophe and a suffix of the closed grammar become its case tag;
    // any other run of letters stays with the word, verbatim.
    auto apostrophe_suffix = [&](token& t) {
      const auto len = apostrophe_at(s, i);
      if (!len) return;
      const auto j = letters_end(s, i + len);
      const auto run = s.substr(i + len, j - i - len);
      if (run.empty()) {
        i += len;
        return;
      }
      if (suffixes.known(run)) {
        t.tag = suffixes.read(run);
        t.read = true;
        note(rules, "suffix after an apostrophe: " + std::string(s.substr(i, j - i)) + " -> '" + t.tag);
      } else {
        t.k = token::kind::opaque;
        t.text += "'";
        t.text += run;
        note(rules, "kept as written (not a suffix the form reads): " + t.text);
      }
      i = j;
    };
    while (i < s.size() && out.size() <= limit) {
      const auto c = static_cast<unsigned char>(s[i]);
      if (is_separator(c)) {
        ++i;
        continue;
      }
      if (c == '|') {
        out.push_back({token::kind::separator, "|", {}, true});
        ++i;
        continue;
      }
      if (c == '%' && i + 1 < s.size() && is_digit(s[i + 1])) {
        const auto j = number_at(i + 1);
        auto number = number_form(s.substr(i + 1, j - i - 1));
        number.insert(number.begin(), '%');  // GCC 12 warns falsely on "%" + string
        out.push_back({token::kind::number, std::move(number), {}, true});
        i = j;
        apostrophe_suffix(out.back());
        continue;
      }
      if (is_digit(static_cast<char>(c))) {
        auto j = number_at(i);
        auto number = number_form(s.substr(i, j - i));
        if (j < s.size() && s[j] == '%') {  // 5% -> %5
          number.insert(number.begin(), '%');
          ++j;
        } else if (!out.empty() && out.back().k == token::kind::word && out.back().text == "yuzde" && out.back().tag.empty()) {
          out.pop_back();  // yüzde 5 -> %5
          number.insert(number.begin(), '%');
        }
        out.push_back({token::kind::number, std::move(number), {}, true});
        i = j;
        apostrophe_suffix(out.back());
        continue;
      }
      if (is_letter_byte(c) && !apostrophe_at(s, i)) {
        const auto j = letters_end(s, i);
        token t{token::kind::word, std::string(s.substr(i, j - i)), {}, false};
        i = j;
        if (i < s.size() && s[i] == '~') {  // a verb as a form writes it: root~tags
          std::size_t k = i;
          while (k < s.size() && (s[k] == '~' || is_letter_byte(static_cast<unsigned char>(s[k])))) ++k;
          const auto tags = s.substr(i + 1, k - i - 1);
          const auto parts = split(tags, '~');
          if (std::all_of(parts.begin(), parts.end(), is_verb_tag)) {
            t.k = token::kind::verb;
            t.tag = std::string(tags);
          } else {
            t.k = token::kind::opaque;
            t.text += s.substr(i, k - i);
          }
          t.read = true;
          i = k;
        } else {
          apostrophe_suffix(t);
        }
        out.push_back(std::move(t));
        continue;
      }
      // Any other sign (- / + = < > $ & a lone apostrophe ...) stays, as itself.
      const auto len = apostrophe_at(s, i) ? apostrophe_at(s, i) : std::size_t{1};
      out.push_back({token::kind::opaque, std::string(s.substr(i, len)), {}, true});
      i += len;
    }
    return out;
  }

  // The longest phrase of `index` that starts at in[i], each of its words accepted by
  // `fits(token, is_last_word)`; null for none.
  template <class Fits>
  static const phrase* phrase_at(const phrase_index& index, const std::vector<token>& in, std::size_t i, Fits fits) {
    if (in[i].text.size() > longest_readable) return nullptr;
    const auto it = index.find(in[i].text);
    if (it == index.end()) return nullptr;
    for (const auto& candidate : it->second) {  // longest first
      const auto& words = candidate.from;
      if (i + words.size() > in.size()) continue;
      bool same = true;
      for (std::size_t k = 0; k < words.size() && same; ++k)
        same = in[i + k].text == words[k] && fits(in[i + k], k + 1 == words.size());
      if (same) return &candidate;
    }
    return nullptr;
  }

  // Step 2: "yukselirmi" -> "yukselir" "mi".
  static void split_particles(std::vector<token>& words) {
    for (auto& w : words) {
      if (!w.plain_word()) continue;
      for (const std::string_view p : {"misiniz", "musunuz", "misin", "musun", "miyim", "muyum", "midir", "mudur", "mi", "mu"}) {
        if (w.text.size() >= p.size() + 3 && ends_with(w.text, p)) {
          const auto rest = std::string_view(w.text).substr(0, w.text.size() - p.size());
          if (ends_with(rest, "r") || ends_with(rest, "yor")) {
            w.text.resize(rest.size());
            break;
          }
        }
      }
    }
  }

  // Step 3: question-form phrases go.
  std::vector<token> drop_question_words(std::vector<token> in, std::vector<std::string>* rules) const {
    std::vector<token> out;
    for (std::size_t i = 0; i < in.size();) {
      const auto* match = phrase_at(drops, in, i, [](const token& t, bool) { return t.plain_word(); });
      if (!match) {
        out.push_back(std::move(in[i++]));
        continue;
      }
      std::string dropped;
      for (std::size_t k = 0; k < match->from.size(); ++k) append_word(dropped, in[i + k].text);
      note(rules, "question words dropped: " + dropped);
      // The word before may not be read yet: it drops the case when it is (read_word).
      if (!out.empty()) out.back().case_of_dropped = match->takes_genitive ? "in" : match->takes_accusative ? "i" : nullptr;
      i += match->from.size();
    }
    return out;
  }

  // A lone "ne" ending the question asks "nedir" ("fark ne?").
  static void drop_final_ne(std::vector<token>& words, std::vector<std::string>* rules) {
    if (words.size() >= 2 && words.back().plain_word() && words.back().text == "ne") {
      note(rules, "question words dropped: ne (ending the question)");
      words.pop_back();
    }
  }

  // Step 4: number words.
  static std::vector<token> read_number_words(std::vector<token> in, std::vector<std::string>* rules) {
    std::vector<token> out;
    for (std::size_t i = 0; i < in.size();) {
      std::size_t j = i;
      std::vector<std::string_view> run;
      while (j < in.size() && in[j].plain_word() &&
             (number_words::value_of(in[j].text) || (in[j].text == "bucuk" && !run.empty()))) {
        run.push_back(in[j].text);
        ++j;
      }
      // A digit number before bin/milyon/milyar: "5 bin" -> 5000.
      if (run.empty() && in[i].k == token::kind::number && in[i].tag.empty() && i + 1 < in.size() &&
          in[i + 1].plain_word() && std::all_of(in[i].text.begin(), in[i].text.end(), is_digit) && in[i].text.size() <= 6) {
        const auto m = number_words::value_of(in[i + 1].text);
        if (m && *m >= 1000) {
          auto t = in[i];
          t.text = std::to_string(std::stoll(in[i].text) * *m);
          note(rules, "number: " + in[i].text + " " + in[i + 1].text + " -> " + t.text);
          out.push_back(std::move(t));
          i += 2;
          continue;
        }
      }
      if (run.empty()) {
        out.push_back(std::move(in[i++]));
        continue;
      }
      // Read the longest prefix of the run that is one number, when it may be read (header).
      bool done = false;
      for (std::size_t n = run.size(); n >= 1 && !done; --n) {
        const std::vector<std::string_view> words(run.begin(), run.begin() + static_cast<std::ptrdiff_t>(n));
        const auto value = number_words::read(words);
        if (!value) continue;
        const bool percent = !out.empty() && out.back().plain_word() && out.back().text == "yuzde";
        const bool unit = i + n < in.size() && in[i + n].plain_word() && number_words::is_unit(in[i + n].text);
        const bool counts = n >= 2 || percent || (unit && words.front() != "bes" && words.front() != "on");
        if (!counts) continue;
        std::string spelled;
        for (const auto w : words) append_word(spelled, w);
        std::string text = *value;
        if (percent) {
          out.pop_back();
          text.insert(text.begin(), '%');
          spelled = "yuzde " + spelled;
        }
        note(rules, "number: " + spelled + " -> " + text);
        out.push_back({token::kind::number, std::move(text), {}, true});
        i += n;
        done = true;
      }
      if (!done) out.push_back(std::move(in[i++]));
    }
    return out;
  }

  // Step 5: a word read by the tables, the noun grammar or Snowball, or kept as written.
  static void drop_case_of_dropped(token& w, std::vector<std::string>* rules) {
    if (!w.case_of_dropped || w.k == token::kind::verb || w.k == token::kind::opaque || w.tag != w.case_of_dropped) return;
    note(rules, "case of a dropped phrase's object dropped: " + w.render());
    w.tag.clear();
  }

  void read_word(token& w, std::vector<std::string>* rules) const {
    if (w.k != token::kind::word) return drop_case_of_dropped(w, rules);
    // No word of the tables is this long; reading one (a root at every cut, Snowball round after
    // round) would cost the square of its length: it stays as written.
    if (w.text.size() > longest_readable) {
      w.read = true;
      return;
    }
    const std::string before = w.render();
    if (w.read) {  // after an apostrophe: a name, not stemmed; a root's written form still counts
      if (auto it = forms.find(w.text); it != forms.end() && it->second.tag.empty()) w.text = it->second.root;
    } else if (auto v = verbs.find(w.text); v != verbs.end()) {
      const auto at = v->second.find('~');
      w.k = token::kind::verb;
      w.tag = v->second.substr(at + 1);
      w.text = v->second.substr(0, at);
    } else if (auto it = forms.find(w.text); it != forms.end()) {
      w.text = it->second.root;
      w.tag = it->second.tag;
    } else if (!root_and_suffix(w)) {
      // A verb the table does not know may still end a clause ("düşünce" is also "thought"): the
      // clause is split there, which can cost a match but never make one.
      w.may_end_clause = spelled_like_clause_mark(w.text);
      snowball_and_suffix(w);
    }
    w.read = true;
    drop_case_of_dropped(w, rules);
    if (rules && w.render() != before) note(rules, (w.k == token::kind::verb ? "verb: " : "word: ") + before + " -> " + w.render());
  }

  // A finance root followed by a suffix of the closed grammar ("fonlarinin" -> fon'in).
  bool root_and_suffix(token& w) const {
    for (std::size_t len = w.text.size() - 1; len >= 2; --len) {
      auto it = forms.find(w.text.substr(0, len));
      if (it == forms.end() || !it->second.tag.empty()) continue;
      const auto rest = std::string_view(w.text).substr(len);
      // Short roots take only suffixes of two letters or more: "yeni" is not "yen" + "i".
      if (!suffixes.known(rest) || (len <= 3 && rest.size() < 2)) continue;
      w.tag = suffixes.read(rest);
      w.text = it->second.root;
      return true;
    }
    return false;
  }

  // Snowball, to a fixed point, where its stem keeps at least five letters (shorter stems of folded
  // words are often wrong: altin -> alt, dolar -> do) and what it cut is a suffix of the grammar.
  void snowball_and_suffix(token& w) const {
    std::string stem = w.text;
    for (std::size_t round = 0; round < w.text.size(); ++round) {  // each round shortens the stem
      auto next = fold_letters(snowball(stem));
      if (next.size() >= stem.size() || next.size() < 5) break;
      stem = std::move(next);
    }
    // Snowball leaves the buffer letter of a possessive ("sertifikasi" -> "sertifikas"): it belongs
    // to the suffix.
    if (stem.size() >= 6 && stem.size() + 1 == w.text.size() && stem.back() == 's' && w.text.starts_with(stem) &&
        (w.text.back() == 'i' || w.text.back() == 'u'))
      stem.pop_back();
    if (stem.size() >= w.text.size()) return;
    // Snowball may write a softened final consonant back (kitabi -> kitap): the cut starts after it.
    const bool prefix = std::string_view(w.text).starts_with(std::string_view(stem).substr(0, stem.size() - 1));
    if (!prefix) return;
    const auto rest = std::string_view(w.text).substr(stem.size());
    if (!rest.empty() && !suffixes.known(rest)) return;  // cut something else: kept as written
    if (stem.back() != w.text[stem.size() - 1]) {
      const char a = stem.back(), b = w.text[stem.size() - 1];
      const bool softened = (a == 'p' && b == 'b') || (a == 't' && b == 'd') || (a == 'k' && b == 'g') || (a == 'c' && b == 'c');
      if (!softened) return;
    }
    w.tag = suffixes.read(rest);
    if (auto it = forms.find(stem); it != forms.end() && it->second.tag.empty()) stem = it->second.root;
    w.text = std::move(stem);
  }

  // A compound's third-person possessive on its last word belongs to the compound ("kâr payından"
  // is "temettüden"): "i" -> "", "ini" -> "i", "ina" -> "a", "inda" -> "da", "inin" -> "in", ...
  static std::string without_compound_possessive(const std::string& tag) {
    if (tag == "i") return {};
    if (tag.size() >= 3 && tag[0] == 'i' && (tag[1] == 'n' || tag[1] == 'y')) return tag.substr(2);
    return tag;
  }

  // Step 6: synonyms, on the words' roots; the last word's case or verb tags carry over, except a
  // compound's "-i" ("hisse senedi" is "hisse").
  std::vector<token> name_synonyms(std::vector<token> in, std::vector<std::string>* rules) const {
    std::vector<token> out;
    auto readable = [](const token& t) { return t.k == token::kind::word || t.k == token::kind::verb; };
    for (std::size_t i = 0; i < in.size();) {
      // Words before the last may carry only a compound's "-i" ("merkez bankası faiz").
      const auto* match = phrase_at(synonyms, in, i, [&](const token& t, bool last) {
        return readable(t) && (last || (t.k == token::kind::word && (t.tag.empty() || t.tag == "i")));
      });
      if (!match) {
        out.push_back(std::move(in[i++]));
        continue;
      }
      const auto& last = in[i + match->from.size() - 1];
      std::string before;
      for (std::size_t k = 0; k < match->from.size(); ++k) append_word(before, in[i + k].render());
      for (std::size_t k = 0; k < match->to.size(); ++k) {
        token t{token::kind::word, match->to[k], {}, true};
        if (k + 1 == match->to.size()) {
          t.k = last.k;
          t.tag = last.tag;
          if (t.k == token::kind::word && match->from.size() > 1) t.tag = without_compound_possessive(t.tag);
        }
        out.push_back(std::move(t));
      }
      if (rules) {
        std::string after;
        for (std::size_t k = out.size() - match->to.size(); k < out.size(); ++k) append_word(after, out[k].render());
        if (after != before) note(rules, "synonym: " + before + " -> " + after);
      }
      i += match->from.size();
    }
    return out;
  }

  // Step 6b: a possessor's genitive before its possessed word is the bare compound ("THYAO'nun
  // hisse fiyatı" asks "THYAO hisse fiyatı"): up to two bare words may stand between.
  static void compound_genitives(std::vector<token>& in, std::vector<std::string>* rules) {
    for (std::size_t i = 0; i < in.size(); ++i) {
      if ((in[i].tag != "in" && in[i].tag != "inin") || in[i].k == token::kind::verb || in[i].k == token::kind::opaque) continue;
      for (std::size_t j = i + 1; j < in.size() && j <= i + 3; ++j) {
        if (in[j].k == token::kind::word && in[j].tag == "i") {
          note(rules, "genitive of a compound dropped: " + in[i].render());
          in[i].tag = in[i].tag == "in" ? "" : "i";  // "inin" (its ...'s) keeps its possessive
          break;
        }
        if (in[j].k != token::kind::word || !in[j].tag.empty()) break;
      }
    }
  }

  // Step 6c: in a clause that asks the impersonal question ("nasıl açılır", "nasıl açarım": a verb
  // tagged gen), the thing it is about is one role, whether written as the passive's subject or the
  // first person's object: "hesabı nasıl açarım" asks "hesap nasıl açılır". The third person's
  // possessive ("-i", "-ini") on it goes too: "kredi kartı borcunu" is "kredi kartı borcu".
  static void impersonal_objects(std::vector<token>& in, std::vector<std::string>* rules) {
    auto drop = [&](std::size_t begin, std::size_t end) {
      const auto first = in.begin() + static_cast<std::ptrdiff_t>(begin), last = in.begin() + static_cast<std::ptrdiff_t>(end);
      if (!std::any_of(first, last, [](const token& t) { return t.k == token::kind::verb && has_verb_tag(t.tag, "gen"); })) return;
      // Asked how, "how can I open it" asks "how is it opened": the ability goes.
      if (std::any_of(first, last, [](const token& t) { return t.k == token::kind::word && t.tag.empty() && t.text == "nasil"; }))
        for (auto it = first; it != last; ++it)
          if (it->k == token::kind::verb && it->tag == "able~gen") {
            note(rules, "ability of a how-question: " + it->render() + " -> " + it->text + "~gen");
            it->tag = "gen";
          }
      for (auto it = first; it != last; ++it)
        if (it->k == token::kind::word && (it->tag == "i" || it->tag == "ini")) {
          note(rules, "object of an impersonal question: " + it->render() + " -> " + it->text);
          it->tag.clear();
        }
    };
    // The clauses as render_clauses cuts them.
    std::size_t begin = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
      const auto& t = in[i];
      if (t.k == token::kind::separator || (t.k == token::kind::word && t.tag.empty() && is_conjunction(t.text))) {
        drop(begin, i);
        begin = i + 1;
      } else if ((t.k == token::kind::verb && ends_clause(t.tag)) || t.may_end_clause) {
        drop(begin, i + 1);
        begin = i + 1;
      }
    }
    drop(begin, in.size());
  }

  // Step 7: clauses in order; within one, bare words in order, then the marked ones sorted.
  static std::string render_clauses(const std::vector<token>& in) {
    std::vector<std::string> clauses;
    std::vector<std::string> ordered, free;
    auto close = [&] {
      if (ordered.empty() && free.empty()) return;
      std::sort(free.begin(), free.end());
      std::string clause;
      for (const auto* list : {&ordered, &free})
        for (const auto& w : *list) append_word(clause, w);
      clauses.push_back(std::move(clause));
      ordered.clear();
      free.clear();
    };
    for (const auto& t : in) {
      if (t.k == token::kind::separator) {
        close();
        continue;
      }
      if (t.k == token::kind::word && t.tag.empty() && is_conjunction(t.text)) {
        close();
        clauses.push_back(t.text);
        continue;
      }
      const bool marked = t.k == token::kind::verb || (t.k != token::kind::opaque && !t.tag.empty()) ||
                          (t.k == token::kind::word && is_free_word(t.text));
      if (!marked) {
        ordered.push_back(t.render());
        if (t.may_end_clause) close();
        continue;
      }
      auto r = t.render();
      if (std::find(free.begin(), free.end(), r) == free.end()) free.push_back(std::move(r));
      if ((t.k == token::kind::verb && ends_clause(t.tag)) || t.may_end_clause) close();
    }
    close();
    std::string out;
    for (const auto& c : clauses) {
      if (!out.empty()) out += " | ";
      out += c;
    }
    return out;
  }
};

question_canon::question_canon(std::string_view question_words, std::string_view synonyms, std::string_view roots,
                               std::string_view verbs, std::size_t max_tokens)
    : data_(std::make_unique<data>()) {
  data_->max_tokens = max_tokens;
  for (auto line : lines_of(question_words)) {
    const bool genitive = line.front() == '^', accusative = line.front() == '*';
    if (genitive || accusative) line.remove_prefix(1);
    data::add(data_->drops, {words_of(line), {}, genitive, accusative});
  }
  for (const auto line : lines_of(roots)) {
    const auto fields = words_of(line);
    const auto forms = split(fields.front(), '|');
    const std::string name(forms.front());
    for (const auto f : forms) {
      // A form that is the root and a suffix of the grammar ("kuru", "arza") keeps that suffix's tag.
      std::string tag;
      if (f.size() > name.size() && f.starts_with(name) && data_->suffixes.known(f.substr(name.size())))
        tag = data_->suffixes.read(f.substr(name.size()));
      data_->forms[std::string(f)] = {name, std::move(tag)};
    }
  }
  for (const auto line : lines_of(verbs)) {
    const auto fields = words_of(line);
    if (fields.size() != 2 || fields[1].find('~') == std::string::npos)
      throw std::invalid_argument("verbs.txt: not 'form root~tags': " + std::string(line));
    data_->verbs.emplace(fields[0], fields[1]);
  }
  for (const auto line : lines_of(synonyms)) {
    const auto variants = split(line, '|');
    auto name = words_of(variants.front());
    for (const auto v : variants) data::add(data_->synonyms, {words_of(v), name, false});
  }
}

question_canon::~question_canon() = default;

std::unique_ptr<question_canon> question_canon::builtin() {
  return std::make_unique<question_canon>(match_data::question_words(), match_data::synonyms(), match_data::roots(),
                                          match_data::verbs());
}

std::string question_canon::once(std::string_view text, std::vector<std::string>* rules, std::size_t& count) const {
  const auto& d = *data_;
  auto words = d.tokenize(text, rules, d.max_tokens);
  count = words.size();
  if (count > d.max_tokens) return {};
  data::split_particles(words);
  words = d.drop_question_words(std::move(words), rules);
  data::drop_final_ne(words, rules);
  words = data::read_number_words(std::move(words), rules);
  for (auto& w : words) d.read_word(w, rules);
  words = d.name_synonyms(std::move(words), rules);
  data::compound_genitives(words, rules);
  data::impersonal_objects(words, rules);
  return data::render_clauses(words);
}

canonical_question question_canon::operator()(std::string_view folded) const { return run(folded, nullptr); }

canonical_question question_canon::explain(std::string_view folded, std::vector<std::string>& rules) const {
  return run(folded, &rules);
}

canonical_question question_canon::run(std::string_view folded, std::vector<std::string>* rules) const {
  std::size_t count = 0;
  std::string form = once(folded, rules, count);
  if (count > data_->max_tokens) {
    note(rules, "more than " + std::to_string(data_->max_tokens) + " tokens: matched exactly");
    return {std::string(folded), false};
  }
  // To a fixed point, so canonical forms are their own form. A round may take one more suffix off
  // a word Snowball shortens in steps; a question that does not settle within the bound keeps its
  // exact form, which is trivially its own form - a miss, never a wrong match.
  constexpr int max_rounds = 32;
  for (int round = 0;; ++round) {
    if (round == max_rounds) {
      note(rules, "did not settle: matched exactly");
      return {std::string(folded), false};
    }
    auto next = once(form, nullptr, count);
    if (next == form) break;
    form = std::move(next);
  }
  if (form.empty()) {
    note(rules, "only question words: matched exactly");
    return {std::string(folded), false};
  }
  return {std::move(form), true};
}

}  // namespace gateway
