#include "cache/question_normalizer.hpp"

#include <catch2/catch.hpp>

using gateway::question_normalizer;

TEST_CASE("normalizer: the same question typed differently normalizes alike", "[cache]") {
  const question_normalizer norm;
  const auto base = norm("BIST 100 nedir?");
  CHECK(base == "bist 100 nedir");
  for (auto variant : {"  bist 100   NEDİR", "BIST 100 nedir ?", "bist 100 nedir", "BIST 100 NEDIR!!", "BIST 100 nedir…",
                       "BIST\u00a0100\tnedir ?"})
    CHECK(norm(variant) == base);
  CHECK(norm("Borsa İstanbul yatırım") == norm("borsa istanbul yatirim"));
  CHECK(norm("BIST 30 nedir?") != base);
}

TEST_CASE("normalizer: dotted and dotless i in both cases, Turkish diacritics in both cases", "[cache]") {
  const question_normalizer norm;
  for (auto i : {"I", "İ", "ı", "i"}) CHECK(norm(i) == "i");
  CHECK(norm("ŞşĞğÇçÖöÜüÂâ") == "ssggccoouuaa");
  CHECK(norm("IŞIK ışık işık") == "isik isik isik");
  CHECK(norm("Yatırımcı için güçlü şirketler") == "yatirimci icin guclu sirketler");
}

TEST_CASE("normalizer: other scripts keep their letters, emoji stay, inner punctuation stays", "[cache]") {
  const question_normalizer norm;
  CHECK(norm("Ωμέγα") == "ωμέγα");            // Greek: case folded, accent kept
  CHECK(norm("Привет") == "привет");           // Cyrillic
  CHECK(norm("株価は?") == "株価は");           // CJK untouched but for the trailing '?'
  CHECK(norm("BIST 📈 nedir?") == "bist 📈 nedir");
  CHECK(norm("hisse , temettü ; oran") == "hisse, temettu; oran");  // no space before punctuation
  CHECK(norm("a.b") == "a.b");
  CHECK(norm("   ") == "");
  CHECK(norm("?!.") == "");
}

TEST_CASE("normalizer: a remembered question gives the same result, long ones too", "[cache]") {
  const question_normalizer norm;
  for (int round = 0; round < 3; ++round) {  // first call computes, later ones hit the per-thread memo
    CHECK(norm("  BIST 100 NEDİR ?") == "bist 100 nedir");
    CHECK(norm(std::string(600, 'A') + " ?") == std::string(600, 'a'));  // over the memo's size limit
  }
  const question_normalizer other;  // another instance shares the memo and agrees
  CHECK(other("  BIST 100 NEDİR ?") == "bist 100 nedir");
}

TEST_CASE("normalizer: an accent is folded even when NFD orders another script's mark before it", "[cache]") {
  // Found by the matcher's fuzzer: o + U+073C (Syriac, class 220) + U+0308 (class 230) after NFD.
  const question_normalizer normalize;
  CHECK(normalize("}`\xC3\xB6\xDC\xBC") == normalize("}`O\xDC\xBC"));
}
