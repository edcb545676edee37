// lib/pii on the labeled set tests/data/pii_labeled.tsv (written by
// tests/data/generate/pii_labeled.py): every value in every spelling found exactly, and nothing
// found in the look-alikes (amounts, dates, tickers, order numbers, invalid check digits).
#include "pii/pii_detect.hpp"
#include "pii/pii_mapping.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace gateway;

TEST_CASE("pii: the labeled set has no miss and no false positive", "[pii]") {
  std::ifstream in(std::string(GATEWAY_TEST_DATA_DIR) + "/pii_labeled.tsv");
  REQUIRE(in);
  std::string line;
  std::size_t rows = 0, values = 0, lookalikes = 0, misses = 0, false_positives = 0;
  std::map<std::string, std::size_t> per_group;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::stringstream fields(line);
    std::string group, text, expected;
    std::getline(fields, group, '\t');
    std::getline(fields, text, '\t');
    std::getline(fields, expected, '\t');
    ++rows;
    ++per_group[group];
    std::vector<std::string> want, got;
    for (std::size_t at = 0; at < expected.size();) {
      auto end = expected.find(" | ", at);
      if (end == std::string::npos) end = expected.size();
      want.push_back(expected.substr(at, end - at));
      at = end + 3;
    }
    for (const auto& m : find_pii(text))
      got.push_back(std::string(pii_kind_names[index_of(m.kind)]) + "=" +
                    text.substr(m.offset, m.length));
    values += want.size();
    if (want.empty()) ++lookalikes;
    for (const auto& w : want)
      if (std::find(got.begin(), got.end(), w) == got.end()) ++misses;
    for (const auto& g : got)
      if (std::find(want.begin(), want.end(), g) == want.end()) ++false_positives;
    INFO(group << ": " << text);
    CHECK(got == want);
    // And the round trip: nothing of the value is left in what goes out, all of it comes back.
    pii_mapping mapping;
    const auto out = mapping.pseudonymise(text, pii_kinds::all());
    CHECK(out.has_value() == !want.empty());
    if (out) {
      for (const auto& w : want) CHECK(out->find(w.substr(w.find('=') + 1)) == std::string::npos);
      CHECK(mapping.restore(*out) == text);
    }
  }
  WARN(rows << " texts, " << values << " values, " << lookalikes << " with none; misses " << misses
            << ", false positives " << false_positives);
  CHECK(rows >= 300);
  CHECK(misses == 0);
  CHECK(false_positives == 0);
}
