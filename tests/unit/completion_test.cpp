#include "chat/chat_reply.hpp"
#include "core/text.hpp"
#include "upstream/completion.hpp"

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
