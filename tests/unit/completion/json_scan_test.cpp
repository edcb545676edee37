// completion/json_scan.hpp: what it accepts (only what Boost.JSON accepts, read the same) and what it
// leaves to Boost.JSON (`unsure`). fuzz_stream_chunk checks the first half on random inputs.
#include "completion/json_scan.hpp"

#include <boost/json/parse.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace gateway;

namespace {

// Every event as text, to compare with what the document says.
struct recorder {
  std::vector<std::string> events;
  void push(bool object) { events.push_back(object ? "{" : "["); }
  void pop() { events.push_back("end"); }
  void on_member(std::string_view k) { events.push_back("key:" + std::string(k)); }
  void on_text(std::string_view s) { events.push_back("text:" + std::string(s)); }
  void on_count(std::uint64_t n) { events.push_back("count:" + std::to_string(n)); }
  void on_other() { events.push_back("other"); }
};

bool scans(const std::string& text) {
  recorder r;
  return json_scan(text, r) == json_scan_result::ok;
}

bool boost_accepts(const std::string& text) {
  boost::system::error_code ec;
  boost::json::parse(text, ec);
  return !ec;
}

}  // namespace

TEST_CASE("json_scan: events of a document, strings decoded", "[json_scan]") {
  recorder r;
  REQUIRE(json_scan(R"( {"a":[1,-2,3.5,true,null,"x\n\u00e7\ud83d\ude00\/"],"":{},"b":18446744073709551615,
                        "c":18446744073709551616} )", r) == json_scan_result::ok);
  const std::vector<std::string> want{"{", "key:a", "[", "count:1", "other", "other", "other", "other",
                                      "text:x\n\xc3\xa7\xf0\x9f\x98\x80/", "end", "key:", "{", "end", "key:b",
                                      "count:18446744073709551615", "key:c", "other", "end"};
  CHECK(r.events == want);
}

TEST_CASE("json_scan: accepts only what Boost.JSON accepts", "[json_scan]") {
  const auto nest = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  // Valid JSON it reads itself.
  for (const std::string& ok : std::vector<std::string>{"0", "-0", "1e5", "1E+8", "1.5e-12345678", "\"\"", "[]", "{}", "\"a\x7f\"",
                               "\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
                               " \t\r\n[ 1 , {\"k\" : \"v\"} ] ", nest(32)}) {
    INFO(ok);
    CHECK(scans(ok));
    CHECK(boost_accepts(ok));
  }
  // Invalid JSON: refused, as Boost.JSON does.
  for (const std::string& bad : std::vector<std::string>{"", " ", "01", "1.", ".5", "+1", "1e", "-", "[1,]", "{\"a\":1,}", "[] []",
                                "tru", "nul", "/*c*/1", "\"\\u00\"", "\"\\x\"", "\"\\udc00\"", "\"\\ud800\"",
                                "\"\\ud800\\u0041\"", "\"\xed\xa0\x80\"", "\"\xc0\x80\"", "\"\xc1\xbf\"",
                                "\"\xe0\x9f\xbf\"", "\"\xf0\x8f\xbf\xbf\"", "\"\xf4\x90\x80\x80\"", "\"\xf5\x80\x80\x80\"",
                                "\"\x80\"", "\"\xc3\"", "\"abc\xe2\x82\"", "\"a\x01\"", "\"a\nb\"", "\"open",
                                "{\"a\" 1}", "{1:2}", "[1 2]", std::string("1\0", 2), nest(33)}) {
    INFO(bad);
    CHECK_FALSE(scans(bad));
    CHECK_FALSE(boost_accepts(bad));
  }
  // Valid JSON it leaves to Boost.JSON: an exponent of more than 8 digits.
  CHECK_FALSE(scans("1e123456789"));
  CHECK(boost_accepts("1e123456789"));
}

TEST_CASE("json_scan: strings at every length around the 16-byte blocks", "[json_scan]") {
  // A special byte (escape, non-ASCII letter, quote) at every offset of a long string.
  for (std::size_t at = 0; at < 40; ++at) {
    for (const std::string& special : std::vector<std::string>{"\\n", "\xc4\xb0", "\\\""}) {
      std::string text(40, 'a');
      text.insert(at, special);
      recorder r;
      REQUIRE(json_scan("\"" + text + "\"", r) == json_scan_result::ok);
      std::string decoded(40, 'a');
      decoded.insert(at, special == "\\n" ? "\n" : special == "\\\"" ? "\"" : special);
      CHECK(r.events == std::vector<std::string>{"text:" + decoded});
      // The same string cut short before its closing quote is refused.
      CHECK_FALSE(scans("\"" + text));
    }
    std::string broken(40, 'a');
    broken.insert(at, "\xc4");  // a lead byte without its continuation
    CHECK_FALSE(scans("\"" + broken + "\""));
  }
}
