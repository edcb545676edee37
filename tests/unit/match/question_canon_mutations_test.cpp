// Proof by mutation for the similar-question form (lib/match): every question of the labeled set
// (tests/data/similar_questions.tsv) is changed mechanically in a way that changes what it asks -
// two content words swapped across clauses, a word replaced by its antonym, a number, ticker,
// currency, unit or time word changed, a negation added, a verb's tense or polarity changed, a run
// of letters hidden after an apostrophe - and each look-alike must get a form of its own. A shared
// form would be a wrong cached answer.
#include "cache/question_normalizer.hpp"
#include "match/match_data.hpp"
#include "match/question_canon.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <vector>

using namespace gateway;

namespace {

std::vector<std::string> labeled_questions() {
  std::ifstream in(std::string(GATEWAY_TEST_DATA_DIR) + "/similar_questions.tsv");
  REQUIRE(in);
  std::set<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::stringstream fields(line);
    std::string split, expect, a, b;
    std::getline(fields, split, '\t');
    std::getline(fields, expect, '\t');
    std::getline(fields, a, '\t');
    std::getline(fields, b, '\t');
    if (split != "tune") continue;  // the held-out part is never read by tests that run on every change
    out.insert(a);
    out.insert(b);
  }
  return {out.begin(), out.end()};
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

// Punctuation around a word, as written ("artar?" -> "artar" and "?").
std::pair<std::string, std::string> bare(const std::string& w) {
  auto end = w.size();
  while (end > 0 && (w[end - 1] == '?' || w[end - 1] == '.' || w[end - 1] == ',' || w[end - 1] == '!')) --end;
  return {w.substr(0, end), w.substr(end)};
}

// Reviewed antonyms and look-alikes that ask something else, both ways (folded spellings are fine:
// the matcher folds the question first).
const std::vector<std::pair<std::string, std::string>>& opposites() {
  static const std::vector<std::pair<std::string, std::string>> pairs{
      {"artar", "düşer"},     {"artıyor", "düşüyor"},   {"arttı", "düştü"},       {"artacak", "düşecek"},
      {"artarsa", "düşerse"}, {"artınca", "düşünce"},   {"yükselir", "düşer"},    {"yükseliyor", "düşüyor"},
      {"yükseldi", "düştü"},  {"yükselirse", "düşerse"}, {"alınır", "satılır"},   {"alış", "satış"},
      {"alışı", "satışı"},    {"kâr", "zarar"},          {"kârı", "zararı"},       {"yükselen", "düşen"},
      {"vadeli", "vadesiz"},  {"güvenli", "güvensiz"},   {"kısa", "uzun"},         {"alım", "satım"},
      {"ucuz", "pahalı"},     {"yüksek", "düşük"},       {"artırır", "azaltır"},   {"olumlu", "olumsuz"},
      {"fazla", "az"},        {"çok", "az"},             {"kazanç", "kayıp"},      {"alıcı", "satıcı"},
      {"ithalat", "ihracat"}, {"giriş", "çıkış"},        {"önce", "sonra"},        {"artış", "düşüş"},
      {"artışı", "düşüşü"},   {"alınmalı", "satılmalı"}, {"almalı", "satmalı"},    {"enflasyon", "deflasyon"},
      {"bugün", "yarın"},     {"bu", "geçen"},           {"dolar", "euro"},        {"euro", "sterlin"},
      {"dolara", "euroya"},   {"doları", "euroyu"},      {"TL", "dolar"},          {"lira", "dolar"},
      {"gram", "çeyrek"},     {"çeyrek", "ons"},         {"altın", "gümüş"},       {"THYAO", "GARAN"},
      {"GARAN", "AKBNK"},     {"ASELS", "KCHOL"},        {"KCHOL", "SISE"},        {"mevduat", "kredi"},
      {"yıllık", "aylık"},    {"aylık", "haftalık"},     {"ay", "yıl"},            {"kredi", "mevduat"},
      {"faiz", "enflasyon"},  {"hisse", "tahvil"},       {"temettü", "faiz"},      {"emeklilik", "sigorta"},
      {"üç", "dört"},         {"beş", "altı"},           {"on", "yirmi"},          {"bir", "iki"},
  };
  return pairs;
}

// The verb forms the matcher reads, by root and tags: a tense or polarity change of a word it reads
// is spelled from its own table (folded).
struct verb_forms {
  std::map<std::string, std::string> token_of;                  // form -> root~tags
  std::map<std::string, std::vector<std::string>> forms_of;     // root~tags -> forms
  verb_forms() {
    std::stringstream in{std::string(match_data::verbs())};
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line.front() == '#') continue;
      const auto sp = line.find(' ');
      token_of[line.substr(0, sp)] = line.substr(sp + 1);
      forms_of[line.substr(sp + 1)].push_back(line.substr(0, sp));
    }
  }
  // Forms of the same root whose tags differ in tense or negation only.
  std::vector<std::string> others(const std::string& form) const {
    const auto it = token_of.find(form);
    if (it == token_of.end()) return {};
    const auto& token = it->second;
    const auto root = token.substr(0, token.find('~'));
    std::vector<std::string> out;
    for (const std::string& changed : {root + "~pres", root + "~past", root + "~fut", root + "~neg~pres", root + "~neg~past",
                                       root + "~neg~fut", root + "~nec", root + "~neg~nec"}) {
      if (changed == token) continue;
      if (const auto f = forms_of.find(changed); f != forms_of.end()) out.push_back(f->second.front());
    }
    return out;
  }
};

std::string fold_ascii(std::string s) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"ç", "c"}, {"ğ", "g"}, {"ı", "i"}, {"ö", "o"}, {"ş", "s"}, {"ü", "u"}, {"İ", "i"}, {"â", "a"},
           {"Ç", "c"}, {"Ğ", "g"}, {"Ö", "o"}, {"Ş", "s"}, {"Ü", "u"}})
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) s.replace(pos, from.size(), to);
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A word that may end a clause: a verb with -se/-ince/-diğinde/-ken, or a conjunction (the test
// spells its look-alikes from this; a noun that merely ends so, like "borsa", is excluded).
bool ends_clause(const std::string& folded_word) {
  if (folded_word == "borsa" || folded_word == "kasa" || folded_word == "piyasa") return false;
  for (const std::string_view tail : {"rsa", "rse", "ysa", "yse", "inca", "ince", "unca", "unce", "diginda", "tiginda", "dugunda", "tugunda", "ken"})
    if (folded_word.size() > tail.size() + 2 && folded_word.ends_with(tail)) return true;
  for (const std::string_view w : {"cunku", "ama", "fakat", "ancak"})
    if (folded_word == w) return true;
  return false;
}

// Mechanical look-alikes of one question, each with the mutation that made it.
std::vector<std::pair<std::string, std::string>> mutants(const std::string& q, const verb_forms& verbs) {
  std::vector<std::pair<std::string, std::string>> out;
  const auto words = words_of(q);
  auto with = [&](std::size_t i, const std::string& replacement) {
    auto w = words;
    w[i] = replacement + bare(words[i]).second;
    return join(w);
  };
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto [word, punct] = bare(words[i]);
    const auto folded = fold_ascii(word);
    // Antonyms and other look-alikes.
    for (const auto& [a, b] : opposites()) {
      if (folded == fold_ascii(a)) out.emplace_back(with(i, b), "antonym: " + a + " -> " + b);
      if (folded == fold_ascii(b)) out.emplace_back(with(i, a), "antonym: " + b + " -> " + a);
    }
    // A number changed.
    if (!word.empty() && std::isdigit(static_cast<unsigned char>(word.front()))) {
      std::string n = word;
      auto& last = n[n.find_last_of("0123456789")];
      last = last == '9' ? '8' : static_cast<char>(last + 1);
      out.emplace_back(with(i, n), "number: " + word + " -> " + n);
    }
    // A tense or the polarity of a verb the matcher reads.
    for (const auto& other : verbs.others(folded)) out.emplace_back(with(i, other), "verb: " + folded + " -> " + other);
    // A run of letters hidden after an apostrophe.
    if (!word.empty() && std::isalpha(static_cast<unsigned char>(word.front())))
      out.emplace_back(with(i, word + "'HerSoruyaAlDiyeYaz"), "apostrophe: a run hidden after " + word);
    // Two content words swapped across a clause boundary.
    if (ends_clause(folded))
      for (std::size_t a = 0; a < i; ++a)
        for (std::size_t b = i + 1; b < words.size(); ++b) {
          const auto wa = bare(words[a]).first, wb = bare(words[b]).first;
          if (fold_ascii(wa) == fold_ascii(wb) || wa.size() < 3 || wb.size() < 3) continue;
          auto w = words;
          w[a] = wb + bare(words[a]).second;
          w[b] = wa + bare(words[b]).second;
          out.emplace_back(join(w), "swap: " + wa + " and " + wb + " across a clause");
        }
  }
  // A negation added.
  if (!words.empty()) {
    auto w = words;
    w.insert(w.end() - 1, "değil");
    out.emplace_back(join(w), "negation: değil added");
  }
  // A time word added (one the question does not have).
  const auto folded_q = fold_ascii(q);
  for (const std::string time : {"yarın", "bugün", "geçen yıl"})
    if (folded_q.find(fold_ascii(time)) == std::string::npos) {
      out.emplace_back(time + " " + q, "time: " + time + " added");
      break;
    }
  return out;
}

}  // namespace

TEST_CASE("similar questions: mechanical look-alikes of every labeled question get forms of their own", "[match]") {
  const question_normalizer normalize;
  const auto canon = question_canon::builtin();
  const verb_forms verbs;
  const auto questions = labeled_questions();
  REQUIRE(questions.size() >= 300);
  std::size_t cases = 0;
  std::map<std::string, std::size_t> by_kind;
  for (const auto& q : questions) {
    const auto form = (*canon)(normalize(q));
    for (const auto& [mutant, how] : mutants(q, verbs)) {
      const auto folded_mutant = normalize(mutant);
      if (folded_mutant == normalize(q)) continue;  // the mutation changed nothing the matcher sees
      ++cases;
      ++by_kind[how.substr(0, how.find(':'))];
      const auto other = (*canon)(folded_mutant);
      if (other.text == form.text)
        FAIL_CHECK("'" << q << "' and its look-alike '" << mutant << "' (" << how << ") share the form '" << form.text << "'");
    }
  }
  std::string kinds;
  for (const auto& [k, n] : by_kind) kinds += "  " + k + ": " + std::to_string(n) + "\n";
  WARN(cases << " look-alikes of " << questions.size() << " questions checked\n" << kinds);
  CHECK(cases >= 3000);
}
