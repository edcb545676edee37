// lib/chat/plain_chat_request: the fast path reads the common bodies and leaves every other one to
// the full parser, and parse_chat_request answers every body exactly as the full parser alone
// would - for a table of shapes, and for every prefix and every one-byte change of a valid body.
#include "chat/plain_chat_request.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace gateway;

namespace {

bool same(const parse_result& a, const parse_result& b) {
  if (a.index() != b.index()) return false;
  if (const auto* x = std::get_if<chat_request>(&a)) {
    const auto& y = std::get<chat_request>(b);
    if (x->history.size() != y.history.size()) return false;
    for (std::size_t i = 0; i < x->history.size(); ++i)
      if (x->history[i].role != y.history[i].role || x->history[i].content != y.history[i].content) return false;
    return x->question == y.question && x->stream == y.stream && x->cache == y.cache;
  }
  const auto& e = std::get<request_error>(a);
  const auto& f = std::get<request_error>(b);
  return e.code == f.code && e.message == f.message;
}

// Whether the fast path took `body`, after checking that the answer is the full parser's.
bool fast(const std::string& body, request_limits limits = {}) {
  const auto whole = parse_chat_request(body, limits);
  const auto document = parse_chat_request_document(body, limits);
  INFO(body);
  CHECK(same(whole, document));
  return parse_plain_chat_request(body, limits).has_value();
}

}  // namespace

TEST_CASE("plain chat request: the common shapes are read without a document, as the parser reads them",
          "[request][plain]") {
  CHECK(fast(R"({"question":"BIST 100 nedir?"})"));
  CHECK(fast(R"({"question": "BIST 100 nedir?"})"));
  CHECK(fast(" \t\r\n{ \"question\" : \"x\" , \"stream\" : true } \n"));
  CHECK(fast(R"({"stream":false,"question":"Altın nedir?","cache":false})"));
  CHECK(fast(R"({"question":"x","stream":null,"cache":null})"));
  CHECK(fast(R"({"question":"  padded  "})"));
  CHECK(fast("{\"question\":\"\xc2\xa0x\xe3\x80\x80\"}"));  // Unicode spaces trimmed
  CHECK(fast("{\"question\":\"\xef\xbf\xbf\x7f\"}"));        // a noncharacter and DEL: valid JSON text
  CHECK(fast("{\"question\":\"\xf0\x9f\x93\x88 borsa\"}"));
  const auto read = parse_plain_chat_request(R"({"cache":false,"question":" Faiz? ","stream":true})", {});
  REQUIRE(read);
  CHECK(read->question == "Faiz?");
  CHECK(read->stream);
  CHECK_FALSE(read->cache);
  CHECK(read->history.empty());
}

TEST_CASE("plain chat request: everything else goes to the full parser, which answers as before",
          "[request][plain][hostile]") {
  const std::vector<std::string> others = {
      R"({"question":"a\"b"})", R"({"question":"\u0041"})", "{\"question\":\"tab\there\"}",
      "{\"question\":\"\xed\xa0\x80\"}", "{\"question\":\"\xc3\"}", "{\"question\":\"\xc0\x80\"}",
      "{\"question\":\"\xf4\x90\x80\x80\"}", R"({"question":""})", R"({"question":"   "})", R"({"question":5})",
      R"({"question":"x","question":"y"})", R"({"question":"x","stream":true,"stream":false})",
      R"({"question":"x","stream":"yes"})", R"({"question":"x","history":[]})", R"({"question":"x","extra":1})",
      R"({"question":"x",})", R"({"question":"x"}x)", R"({"question":"x"}{})", "[]", "\"\"", "", "{",
      R"({"stream":true})", R"({"question":"x","stream":truex})", R"({"question":"x","stream":tru})",
      R"({"qu\u0065stion":"x"})", "\xef\xbb\xbf{\"question\":\"x\"}", R"({"question":"x" /*c*/})",
      R"({"Question":"x"})", R"({"question":"x","cache":0})", R"({"question" "x"})", R"({"question":"x")",
      "{\"question\":\"x\"\f}", R"({,"question":"x"})", R"({"question":null})"};
  for (const auto& body : others) CHECK_FALSE(fast(body));
  // A limit: the fast path reads a question at it, and leaves one past it to the full parser's error.
  const request_limits ten{10};
  CHECK(fast("{\"question\":\"çççççççççç\"}", ten));
  CHECK_FALSE(fast("{\"question\":\"ççççççççççç\"}", ten));
}

TEST_CASE("plain chat request: every prefix and every one-byte change of a body is answered as the full parser answers it",
          "[request][plain][hostile]") {
  const std::string body = R"( {"question": "Altın ne?", "stream": true, "cache": null} )";
  std::size_t fast_taken = 0;
  for (std::size_t n = 0; n <= body.size(); ++n) fast_taken += fast(body.substr(0, n));
  CHECK(fast_taken == 2);  // the body, and the body without its last space
  for (std::size_t i = 0; i < body.size(); ++i)
    for (int b = 0; b < 256; ++b) {
      std::string changed = body;
      changed[i] = static_cast<char>(b);
      fast(changed);
    }
}
