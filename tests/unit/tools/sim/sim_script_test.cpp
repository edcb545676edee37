#include "tools/sim/sim_script.hpp"

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

TEST_CASE("sim: gpt-oss models reason first, in a few deterministic tokens", "[sim]") {
  CHECK(model_reasons("openai/gpt-oss-20b"));
  CHECK(model_reasons("openai/gpt-oss-120b"));
  CHECK_FALSE(model_reasons("qwen/qwen3-32b"));
  CHECK_FALSE(model_reasons("llama-3.1-8b-instant"));
  const auto r = reasoning_tokens("BIST 100 nedir?");
  CHECK(r == reasoning_tokens("  BIST 100 nedir? [[sim tokens=3]]"));  // directives and spaces aside
  CHECK(r.size() >= 3);   // a few deltas,
  CHECK(r.size() <= 16);  // not an essay
  CHECK(r.front().front() != ' ');
  for (std::size_t i = 1; i < r.size(); ++i) CHECK(r[i].front() == ' ');  // words with their space
  // Other questions, other thoughts (not all alike).
  bool differs = false;
  for (const auto* q : {"Temettü nedir?", "Swap nedir?", "Enflasyon neden yükselir?", "x", "Faiz?"})
    differs = differs || reasoning_tokens(q) != r;
  CHECK(differs);
}

TEST_CASE("groq-sim: echo=1 answers with the question's placeholders, each cut in two tokens",
          "[sim]") {
  CHECK(parse_directives("x [[sim echo=1]]").echo);
  const auto tokens = echo_tokens("IBAN [IBAN_1] ve TC [TCKN_12], [x_1] [IBAN_] [[sim echo=1]]");
  std::string joined;
  for (const auto& t : tokens) joined += t;
  CHECK(joined == "Yer tutucular: [IBAN_1] ve [TCKN_12].");
  CHECK(std::find(tokens.begin(), tokens.end(), "[IBAN_1]") == tokens.end());  // cut, never whole
  CHECK(echo_tokens("hiç yok") == std::vector<std::string>{"Yer", " tutucu", " yok."});
}
