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

TEST_CASE("sim: answer= gives the answer's text, percent-decoded, as word tokens", "[sim]") {
  const auto d = parse_directives("x [[sim answer=**kal%C4%B1n**%20ve%0A%3Cscript%3E%25 tokens=9]]");
  CHECK(d.answer == "**kalın** ve\n<script>%");
  CHECK(percent_decode("%4") == "%4");      // too short: kept
  CHECK(percent_decode("%zz1") == "%zz1");  // not hex: kept
  const auto words = text_tokens(" a  b\nc d");
  CHECK(words == std::vector<std::string>{" a", " ", " b\nc", " d"});
  std::string joined;
  for (const auto& w : text_tokens(d.answer)) joined += w;
  CHECK(joined == d.answer);  // nothing lost or added
  CHECK(repeat_tokens({"a", " b"}, 5) == std::vector<std::string>{"a", " b", " a", " b", " a"});
  CHECK(repeat_tokens({"a", " b"}, 1) == std::vector<std::string>{"a"});
  CHECK(repeat_tokens({}, 3).empty());
}
