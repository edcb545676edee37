// The similar-question matcher (lib/match) on the labeled set tests/data/similar_questions.tsv:
// no look-alike may ever share a form (a wrong cached answer is far worse than a miss), and the
// share of paraphrases that do is reported and held to the goal (recall >= 0.9) on the pairs the
// data files were written against. The held-out third is run only by its own command (hidden tag
// [.holdout]), never by make test: its figures are reported as they come, in docs/api.md.
#include "cache/question_normalizer.hpp"
#include "match/question_canon.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <vector>

using namespace gateway;

namespace {

struct labeled_pair {
  std::string split, expect, a, b;
  bool independent = false;  // written without reading the matcher's rules
};

std::vector<labeled_pair> load_pairs() {
  std::ifstream in(std::string(GATEWAY_TEST_DATA_DIR) + "/similar_questions.tsv");
  REQUIRE(in);
  std::vector<labeled_pair> out;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::stringstream fields(line);
    labeled_pair p;
    std::getline(fields, p.split, '\t');
    std::getline(fields, p.expect, '\t');
    std::getline(fields, p.a, '\t');
    std::getline(fields, p.b, '\t');
    std::string source;
    std::getline(fields, source, '\t');
    REQUIRE((source.empty() || source == "independent"));
    p.independent = source == "independent";
    REQUIRE((p.expect == "same" || p.expect == "different"));
    REQUIRE((p.split == "tune" || p.split == "holdout"));
    out.push_back(std::move(p));
  }
  return out;
}

struct matcher {
  question_normalizer normalize;
  std::unique_ptr<question_canon> canon = question_canon::builtin();
  canonical_question operator()(const std::string& q) const { return (*canon)(normalize(q)); }
  bool same(const std::string& a, const std::string& b) const { return (*this)(a).text == (*this)(b).text; }
};

}  // namespace

namespace {

// One split of the labeled set (its pairs written with the rules, or independently of them): every
// look-alike must get a form of its own; the share of paraphrases that share a form is reported.
double check_split(const std::vector<labeled_pair>& pairs, const std::string& split, bool independent) {
  const matcher m;
  std::size_t same = 0, matched = 0, different = 0, wrong = 0;
  std::string misses;
  for (const auto& p : pairs) {
    if (p.split != split || p.independent != independent) continue;
    const bool match = m.same(p.a, p.b);
    if (p.expect == "different") {
      ++different;
      if (match) {
        ++wrong;
        FAIL_CHECK("wrong match (" << split << "): '" << p.a << "' ~ '" << p.b << "' as '" << m(p.a).text << "'");
      }
    } else {
      ++same;
      if (match) ++matched;
      else misses += "  '" + p.a + "' [" + m(p.a).text + "] / '" + p.b + "' [" + m(p.b).text + "]\n";
    }
  }
  const double recall = same ? static_cast<double>(matched) / static_cast<double>(same) : 0;
  WARN(split << (independent ? " (written independently)" : " (written with the rules)") << ": " << matched << " of " << same << " paraphrases matched (recall " << recall << "), " << wrong
             << " wrong matches in " << different << " look-alikes\nmissed:\n" << misses);
  CHECK(wrong == 0);
  return recall;
}

}  // namespace

TEST_CASE("similar questions: the labeled set - no wrong match, and the recall of paraphrases", "[match]") {
  const auto pairs = load_pairs();
  REQUIRE(pairs.size() >= 600);
  const auto holdout = std::count_if(pairs.begin(), pairs.end(), [](const auto& p) { return p.split == "holdout"; });
  REQUIRE(static_cast<std::size_t>(holdout) * 3 >= pairs.size());  // a third held out
  CHECK(check_split(pairs, "tune", false) >= 0.9);
  // The goal on independently written questions is 0.9; what the form reaches today is held as a
  // floor so that it cannot fall unseen (docs/api.md gives the figures).
  CHECK(check_split(pairs, "tune", true) >= 0.35);
}

// The held-out third: never run by make test, so that tuning the data files cannot read it. Run
// `gateway_tests "[.holdout]"` and put its figures in docs/api.md ("Similar questions").
TEST_CASE("similar questions: the held-out pairs", "[.holdout]") {
  const auto pairs = load_pairs();
  check_split(pairs, "holdout", false);
  check_split(pairs, "holdout", true);
}

TEST_CASE("similar questions: canonical forms are their own form, and case and diacritics do not matter", "[match]") {
  const matcher m;
  for (const auto& p : load_pairs()) {
    if (p.split != "tune") continue;  // the held-out part is read only by its own command
    for (const auto* q : {&p.a, &p.b}) {
      const auto form = m(*q);
      INFO(*q << " -> " << form.text);
      CHECK((*m.canon)(form.text).text == form.text);  // idempotent
      // The same question typed without Turkish letters, or in capitals.
      std::string plain = *q;
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"ç", "c"}, {"ğ", "g"}, {"ı", "i"}, {"ö", "o"}, {"ş", "s"}, {"ü", "u"}, {"İ", "I"}, {"â", "a"}})
        for (auto pos = plain.find(from); pos != std::string::npos; pos = plain.find(from, pos)) plain.replace(pos, from.size(), to);
      CHECK(m(plain).text == form.text);
      std::string upper = plain;
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      CHECK(m(upper).text == form.text);
    }
  }
}

TEST_CASE("similar questions: what the matcher keeps and drops", "[match]") {
  const matcher m;
  CHECK(m("BIST 100'ün anlamı nedir?").text == m("BIST 100 nedir").text);   // a suffix after an apostrophe
  CHECK(m("BIST100 nedir").text == m("BIST 100 nedir").text);               // letters and digits apart
  CHECK(m("yüzde 5 faiz").text == m("%5 faiz").text);                        // one number
  CHECK(m("5% faiz").text == m("%5 faiz").text);
  CHECK(m("1.000 TL").text == m("1000 TL").text);                            // thousands dot
  CHECK(m("2,5 faiz").text == m("2.5 faiz").text);                           // decimal mark
  CHECK(m("2,5 faiz").text != m("25 faiz").text);
  CHECK(m("Altın yükselirmi").text == m("Altın yükselir mi").text);         // a joined particle
  CHECK(m("Dolardan euroya").text != m("Eurodan dolara").text);              // assets keep their order
  CHECK(m("Dolar yükselir mi").text != m("Dolar yükselmez mi").text);        // negation
  CHECK(m("Yeni fon").text != m("Yen fonu").text);                           // a short root takes no one-letter suffix
  // Only question words, or too long to match safely: the exact form.
  const auto only = m("Nedir?");
  CHECK_FALSE(only.similar);
  CHECK(only.text == "nedir");
  const auto longer = m("Bir yatırımcı olarak önümüzdeki beş yıl içinde emekliliğim için hangi fonlara ne kadar "
                        "para ayırmalıyım ve bunu nasıl yapmalıyım?");
  CHECK_FALSE(longer.similar);
  // Found by the fuzzer: a word Snowball shortens one letter at a time reaches its fixed point.
  const auto stems = m("BaEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE*");
  CHECK((*m.canon)(stems.text).text == stems.text);
  // Found by the fuzzer: a suffix stacked nine times ("...tiyortiyor..."), which step 2 and Snowball
  // take off one at a time, one round each: the form still settles.
  std::string stacked = "fm\x7f" "ert";
  for (int i = 0; i < 9; ++i) stacked += "ıyort";
  stacked.resize(stacked.size() - 1);
  stacked += "en aertıyort";
  const auto settled = m(stacked);
  INFO(stacked << " -> " << settled.text);
  CHECK(settled.similar);
  CHECK((*m.canon)(settled.text).text == settled.text);
  // Every form goes through the memo unchanged.
  CHECK((*m.canon)(m.normalize("Kredi notu nedir?")).text == m("Kredi notu nedir?").text);
}
