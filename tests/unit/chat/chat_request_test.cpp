#include "chat/chat_request.hpp"

#include <catch2/catch.hpp>

using namespace gateway;

namespace {

request_error rejected(std::string_view body, request_limits limits = {}) {
  auto r = parse_chat_request(body, limits);
  REQUIRE(std::holds_alternative<request_error>(r));
  return std::get<request_error>(r);
}

chat_request accepted(std::string_view body, request_limits limits = {}) {
  auto r = parse_chat_request(body, limits);
  if (auto* e = std::get_if<request_error>(&r)) FAIL(e->message);
  return std::get<chat_request>(r);
}

}  // namespace

TEST_CASE("chat request: a valid request with history", "[request]") {
  auto r = accepted(R"({"question":"  BIST 100 nedir?  ","history":[{"role":"user","content":"Merhaba"},
                       {"role":"assistant","content":"Merhaba! 👋"}],"stream":true,"extra":1})");
  CHECK(r.question == "BIST 100 nedir?");
  REQUIRE(r.history.size() == 2);
  CHECK(r.history[1].role == "assistant");
  CHECK(r.history[1].content == "Merhaba! 👋");
  CHECK(r.stream);
  CHECK_FALSE(accepted(R"({"question":"x","history":null,"stream":null})").stream);
}

TEST_CASE("chat request: body that is not JSON or not an object is invalid_json", "[request]") {
  CHECK(rejected("").code == error::invalid_json);
  CHECK(rejected("{\"question\":").code == error::invalid_json);
  CHECK(rejected("[1,2]").code == error::invalid_json);
  CHECK(rejected("\"question\"").code == error::invalid_json);
  // Invalid UTF-8 inside a string (a lone continuation byte, an overlong form).
  CHECK(rejected("{\"question\":\"a\x80 b\"}").code == error::invalid_json);
  CHECK(rejected("{\"question\":\"\xC0\xAF\"}").code == error::invalid_json);
}

TEST_CASE("chat request: question missing, empty or of the wrong type", "[request]") {
  CHECK(rejected("{}").message == "'question' is required");
  CHECK(rejected(R"({"question":""})").code == error::invalid_request);
  CHECK(rejected(R"({"question":" \t\n\u00a0\u3000 "})").message == "'question' must not be empty");
  CHECK(rejected(R"({"question":42})").message == "'question' must be a string");
  CHECK(rejected(R"({"question":null})").code == error::invalid_request);
  CHECK(rejected(R"({"question":["a"]})").code == error::invalid_request);
}

TEST_CASE("chat request: question length counts characters, not bytes", "[request]") {
  request_limits limits;
  limits.max_question_chars = 5;
  CHECK(accepted(R"({"question":"şğüİı"})", limits).question == "şğüİı");  // 5 chars, 10 bytes
  const auto e = rejected(R"({"question":"şğüİıç"})", limits);
  CHECK(e.code == error::invalid_request);
  CHECK(e.message.find("longer than 5 characters") != std::string::npos);
}

TEST_CASE("chat request: bad history and stream types", "[request]") {
  CHECK(rejected(R"({"question":"q","history":{}})").message == "'history' must be an array");
  CHECK(rejected(R"({"question":"q","history":["hi"]})").message == "history[0] must be an object");
  CHECK(rejected(R"({"question":"q","history":[{"role":"system","content":"x"}]})").message ==
        "history[0].role must be \"user\" or \"assistant\"");
  CHECK(rejected(R"({"question":"q","history":[{"role":"user"}]})").message == "history[0].content must be a string");
  CHECK(rejected(R"({"question":"q","history":[{"role":"user","content":" "}]})").message ==
        "history[0].content must not be empty");
  CHECK(rejected(R"({"question":"q","stream":"yes"})").message == "'stream' must be true or false");
}

TEST_CASE("chat request: history over the limits", "[request]") {
  request_limits limits;
  limits.max_history_messages = 2;
  limits.max_history_content_chars = 3;
  CHECK(rejected(R"({"question":"q","history":[{"role":"user","content":"a"},{"role":"assistant","content":"b"},
                   {"role":"user","content":"c"}]})", limits).message == "'history' has more than 2 messages");
  CHECK(rejected(R"({"question":"q","history":[{"role":"user","content":"abcd"}]})", limits).message ==
        "history[0].content is longer than 3 characters");
}

TEST_CASE("chat request: trimming and counting helpers", "[request]") {
  CHECK(trim_space("\u00a0 x y \u2003") == "x y");
  CHECK(trim_space("") == "");
  CHECK(utf8_length("İstanbul 📈") == 10);
}
