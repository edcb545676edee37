#include "sim/sim_script.hpp"

#include <catch2/catch.hpp>

using namespace gateway::sim;

TEST_CASE("sim: directives", "[sim]") {
  auto d = parse_directives("BIST? [[sim status=429 times=2 retry_after=3 key=k1 gate=g hold=h split=1 ttft=5]]");
  CHECK(d.status == 429u);
  CHECK(d.times == 2);
  CHECK(d.retry_after == "3");
  CHECK(d.key == "k1");
  CHECK(d.gate == "g");
  CHECK(d.hold == "h");
  CHECK(d.split);
  CHECK(d.ttft == std::chrono::milliseconds(5));
  CHECK_FALSE(parse_directives("no directive").status);
  CHECK(strip_directives("a [[sim x=1]] b") == "a  b");
}

TEST_CASE("sim: answers are deterministic, Turkish, with emoji, and of the asked length", "[sim]") {
  const auto a = answer_tokens("BIST 100 nedir?", 200);
  CHECK(a == answer_tokens("BIST 100 nedir? [[sim split=1]]", 200));  // directives do not change it
  CHECK(a.size() == 200);
  std::string text;
  for (const auto& t : a) text += t;
  for (auto letter : {"ç", "ğ", "ı", "İ", "ö", "ş", "ü"}) CHECK(text.find(letter) != std::string::npos);
  CHECK(text.find("📈") != std::string::npos);
  CHECK(answer_tokens("x", 3).size() == 3);
  CHECK(answer_tokens("x", 0).empty());
}

TEST_CASE("sim: split point falls inside a multi-byte character", "[sim]") {
  const std::string s = "data: \"ağ\"";
  const auto cut = utf8_split_point(s);
  CHECK((static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80);  // a continuation byte starts part two
  CHECK(utf8_split_point("abcd") == 2);
}
