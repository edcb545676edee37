#include "chat/chat_reply.hpp"
#include "core/text.hpp"
#include "completion/completion.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace gateway;

TEST_CASE("completion: Groq's non-streaming reply", "[completion]") {
  auto c = parse_completion(R"({"id":"x","model":"openai/gpt-oss-20b","choices":[{"index":0,
      "message":{"role":"assistant","content":"Merhaba 👋","reasoning":"hidden"},"finish_reason":"stop"}],
      "usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13,"queue_time":0.1}})");
  REQUIRE(c);
  CHECK(c->content == "Merhaba 👋");
  CHECK(c->model == "openai/gpt-oss-20b");
  CHECK(c->finish_reason == "stop");
  REQUIRE(c->usage);
  CHECK(c->usage->total_tokens == 13);
  CHECK_FALSE(parse_completion(R"({"choices":[]})"));
  CHECK_FALSE(parse_completion("not json"));
}

// The shape a completion must have, and what its reader does with everything else: the rules of
// the DOM reading it replaced (json::parse, then lookups; fuzz_stream_chunk holds both equal).
TEST_CASE("completion: a completion's shape, duplicates and other types", "[completion]") {
  // Not a completion: no choices, choices not an array or empty, the first not an object, no
  // message object in it, not an object at all, trailing bytes.
  for (const char* bad : {R"({"model":"m"})", R"({"choices":{"message":{}}})", R"({"choices":"x"})",
                          R"({"choices":[]})", R"({"choices":[5,{"message":{}}]})", R"({"choices":[{}]})",
                          R"({"choices":[{"message":"hi"}]})", R"({"choices":[{"delta":{"content":"a"}}]})",
                          R"([{"choices":[{"message":{}}]}])", R"({"choices":[{"message":{}}]} x)", ""})
    CHECK_FALSE(parse_completion(bad));

  // Fields of another type read as missing; counts of another type as 0; x_groq's usage is a
  // stream's, not a completion's; an "error" member means nothing here.
  auto c = parse_completion(R"({"model":5,"error":"e","x_groq":{"usage":{"total_tokens":9}},
      "choices":[{"message":{"content":null},"finish_reason":1},{"message":{"content":"second"}}]})");
  REQUIRE(c);
  CHECK(c->content.empty());
  CHECK(c->model.empty());
  CHECK(c->finish_reason.empty());
  CHECK_FALSE(c->usage);
  c = parse_completion(R"({"choices":[{"message":{}}],"usage":{"prompt_tokens":-4,"completion_tokens":2.5,
      "total_tokens":"7"}})");
  REQUIRE(c);
  REQUIRE(c->usage);
  CHECK(c->usage->prompt_tokens == 0);
  CHECK(c->usage->total_tokens == 0);

  // A member that comes twice counts as its last occurrence, at every level.
  c = parse_completion(R"({"model":"a","model":"b","choices":[{"message":{"content":"x","content":"y"},
      "message":{"content":"z"}}],"usage":{"total_tokens":1},"usage":{"prompt_tokens":2,"completion_tokens":3}})");
  REQUIRE(c);
  CHECK(c->model == "b");
  CHECK(c->content == "z");
  REQUIRE(c->usage);
  CHECK(c->usage->total_tokens == 5);
  CHECK_FALSE(parse_completion(R"({"choices":[{"message":{"content":"x"},"message":[]}]})"));
  CHECK_FALSE(parse_completion(R"({"choices":[{"message":{"content":"x"}}],"choices":[]})"));
  c = parse_completion(R"({"choices":[],"choices":[{"message":{"content":"ok"},"finish_reason":"stop"}]})");
  REQUIRE(c);
  CHECK(c->content == "ok");
  CHECK(c->finish_reason == "stop");
  c = parse_completion(R"({"choices":[{"message":{"content":"x"}}],"usage":{"total_tokens":3},"usage":5})");
  REQUIRE(c);
  CHECK_FALSE(c->usage);

  // Escapes decoded, deep nesting elsewhere ignored, and a long answer kept whole.
  const std::string long_answer(100'000, 'a');
  c = parse_completion(R"({"x":[[[[[[[[[[{"message":{"content":"no"}}]]]]]]]]]],"choices":[{"message":{"content":"\u00e7\n)" +
                       long_answer + R"("}}]})");
  REQUIRE(c);
  CHECK(c->content == "\xc3\xa7\n" + long_answer);
}

TEST_CASE("completion: stream chunks, reasoning left out, usage from x_groq", "[completion]") {
  auto first = parse_stream_chunk(R"({"model":"m","choices":[{"delta":{"role":"assistant","content":""}}]})");
  REQUIRE(first);
  CHECK(first->content.empty());
  CHECK(first->model == "m");

  auto reasoning = parse_stream_chunk(R"({"choices":[{"delta":{"reasoning":"thinking..."}}]})");
  REQUIRE(reasoning);
  CHECK(reasoning->content.empty());

  auto last = parse_stream_chunk(R"({"choices":[{"delta":{},"finish_reason":"length"}],
      "x_groq":{"id":"r","usage":{"prompt_tokens":5,"completion_tokens":7}}})");
  REQUIRE(last);
  CHECK(last->finish_reason == "length");
  REQUIRE(last->usage);
  CHECK(last->usage->total_tokens == 12);

  auto usage_only = parse_stream_chunk(R"({"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}})");
  REQUIRE(usage_only);
  CHECK(usage_only->usage->completion_tokens == 2);
}

TEST_CASE("completion: error chunks and malformed chunks", "[completion]") {
  auto err = parse_stream_chunk(R"({"error":{"message":"over capacity","type":"internal_server_error"}})");
  REQUIRE(err);
  CHECK(err->error_message == "over capacity");
  CHECK_FALSE(parse_stream_chunk(R"({"choices": [{"delta": {"content": "kırık)"));
  CHECK_FALSE(parse_stream_chunk(R"({"choices": 5})"));
  CHECK(upstream_error_message(R"({"error":{"message":"model not found","code":"model_not_found"}})") == "model not found");
  CHECK(upstream_error_message("<html>") == "");
}

// Chunks read as their JSON says: escapes and \u escapes decoded, numbers of every form, and
// anything that is not JSON (broken UTF-8, lone surrogates, control characters) refused.
TEST_CASE("completion: stream chunks read their strings and numbers as JSON says", "[completion]") {
  const auto content_of = [](const std::string& content_json) {
    auto c = parse_stream_chunk(R"({"choices":[{"delta":{"content":)" + content_json + "}}]}");
    return c ? std::optional<std::string>(c->content) : std::nullopt;
  };
  CHECK(content_of(R"("a\"b\\c\/d\b\f\n\r\t")") == "a\"b\\c/d\b\f\n\r\t");
  CHECK(content_of(R"("\u0130stanbul \u00e7 \ud83d\ude00 \u003c")") == "İstanbul ç 😀 <");
  CHECK(content_of(R"("şğüöçı 日本 €")") == "şğüöçı 日本 €");
  CHECK(content_of(R"("x\u0000y")") == std::string("x\0y", 3));
  CHECK(content_of("  \"spaced\"  ") == "spaced");
  auto numbers = parse_stream_chunk(
      R"({"choices":[],"usage":{"prompt_tokens":1.5e3,"completion_tokens":12345678901234567890,"total_tokens":-0}})");
  REQUIRE(numbers);
  CHECK(numbers->usage->prompt_tokens == 0);  // not an integer: no count
  CHECK(numbers->usage->completion_tokens == 12345678901234567890ull);
  std::string deep = R"({"choices":[],"x":)";
  for (int i = 0; i < 20; ++i) deep += "[";
  for (int i = 0; i < 20; ++i) deep += "]";
  CHECK(parse_stream_chunk(deep + "}"));
  // Not JSON.
  CHECK_FALSE(content_of(R"("\ud83d lone")"));     // a lone leading surrogate
  CHECK_FALSE(content_of(R"("\ude00")"));          // a lone trailing surrogate
  CHECK_FALSE(content_of("\"\xC3\x28\""));         // a broken UTF-8 sequence
  CHECK_FALSE(content_of("\"\xED\xA0\x80\""));     // a surrogate written as UTF-8
  CHECK_FALSE(content_of("\"\xC0\xAF\""));         // an overlong form
  CHECK_FALSE(content_of("\"tab\there\""));        // a raw control character
  CHECK_FALSE(content_of(R"("\x")"));              // an unknown escape
  CHECK_FALSE(content_of("01"));                   // a leading zero
  CHECK_FALSE(content_of("tru"));
  CHECK_FALSE(parse_stream_chunk(R"({"choices":[],})"));  // a trailing comma
  CHECK_FALSE(parse_stream_chunk(R"({"choices":[]}{})"));  // two documents
}

TEST_CASE("chat reply: the bytes Boost.JSON's serializer wrote for the same objects", "[reply]") {
  // The replies are written by hand; these are the objects they used to be serialized from.
  namespace json = boost::json;
  const auto usage_value = [](const std::optional<token_usage>& u) -> json::value {
    if (!u) return nullptr;
    return json::object{{"prompt_tokens", u->prompt_tokens}, {"completion_tokens", u->completion_tokens},
                        {"total_tokens", u->total_tokens}};
  };
  for (const std::string text : {"", "Yanıt: BIST 100 💰", "a\"b\\c\n\t\r\b\f\x01\x1f</script>"})
    for (const bool cached : {false, true})
      for (const auto& usage : {std::optional<token_usage>{}, std::optional<token_usage>{token_usage{12, 0, 18446744073709551615u}}}) {
        INFO(text << " cached " << cached << " usage " << usage.has_value());
        CHECK(json_reply(text, "m/" + text, cached, usage) ==
              json::serialize(json::object{{"answer", text}, {"model", "m/" + text}, {"cached", cached},
                                           {"usage", usage_value(usage)}}));
        CHECK(sse_done(text, cached, usage) ==
              "data: " + json::serialize(json::object{{"done", true}, {"model", text}, {"cached", cached},
                                                      {"usage", usage_value(usage)}}) + "\n\n");
        const auto error = json::object{{"error", json::object{{"code", "upstream_error"}, {"message", text}}}};
        CHECK(json_error("upstream_error", text) == json::serialize(error));
        CHECK(sse_error("upstream_error", text) == "data: " + json::serialize(error) + "\n\n");
      }
}

TEST_CASE("chat reply: SSE events and JSON bodies escape text correctly", "[reply]") {
  CHECK(sse_delta("a\"b\n💰") == "data: {\"delta\":\"a\\\"b\\n💰\"}\n\n");
  const auto done = sse_done("m", false, token_usage{1, 2, 3});
  REQUIRE(done.starts_with("data: "));
  REQUIRE(done.ends_with("\n\n"));
  const auto v = boost::json::parse(done.substr(6));
  CHECK(v.at("done") == true);
  CHECK(v.at("usage").at("total_tokens") == 3);
  const auto reply = boost::json::parse(json_reply("Yanıt", "m", false, std::nullopt));
  CHECK(reply.at("answer") == "Yanıt");
  CHECK(reply.at("cached") == false);
  CHECK(reply.at("usage").is_null());
  CHECK(boost::json::parse(json_error("not_found", "x")).at("error").at("code") == "not_found");
}

TEST_CASE("JSON strings: every byte value at every position of a 16-byte block escapes as Boost.JSON's does", "[reply]") {
  // append_json_string scans 16 bytes at a time: each special byte is tried at each offset, in
  // strings long enough for one, two and three blocks plus a tail.
  for (int byte = 0; byte < 128; ++byte)
    for (const std::size_t size : {1u, 15u, 16u, 17u, 33u, 47u}) {
      for (std::size_t at = 0; at < size; ++at) {
        std::string text(size, 'a');
        text[at] = static_cast<char>(byte);
        if (at + 1 < size) text[size - 1] = '\n';  // a second escape after the first
        std::string ours;
        append_json_string(ours, text);
        REQUIRE(ours == boost::json::serialize(boost::json::string_view(text)));
      }
    }
  std::string utf8;
  for (int i = 0; i < 20; ++i) utf8 += "İş Bankası 💰 \"kâr\"\t";
  std::string ours;
  append_json_string(ours, utf8);
  CHECK(ours == boost::json::serialize(boost::json::string_view(utf8)));
}
