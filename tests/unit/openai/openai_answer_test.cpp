#include "openai/openai_answer.hpp"
#include "openai/openai_protocol.hpp"
#include "sse/sse_parser.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace gateway;
namespace json = boost::json;

namespace {

cached_answer sample() {
  cached_answer a;
  a.answer = "BIST 100, Borsa İstanbul'un en büyük 100 şirketini izler. Güçlü bir gösterge 📈 — çok önemli! ğüşıöç";
  a.model = "openai/gpt-oss-20b";
  a.finish_reason = "stop";
  a.usage = token_usage{12, 34, 46};
  a.id = "chatcmpl-abc";
  a.created = 1764300000;
  return a;
}

// Feeds a replay to the SSE parser split at `cut`, and collects it back.
std::optional<cached_answer> read_back(const std::string& replay, std::size_t cut, std::vector<json::value>& chunks,
                                       bool& saw_done) {
  sse_parser parser;
  openai_stream_collector collector;
  saw_done = false;
  const auto drain = [&] {
    while (auto ev = parser.next()) {
      if (ev->data == "[DONE]") {
        saw_done = true;
        continue;
      }
      chunks.push_back(json::parse(ev->data));
      REQUIRE(collector.add(ev->data));
    }
  };
  REQUIRE(parser.feed(std::string_view(replay).substr(0, cut)));
  drain();
  REQUIRE(parser.feed(std::string_view(replay).substr(cut)));
  drain();
  return std::move(collector).finish();
}

}  // namespace

TEST_CASE("openai answer: a stream replay reads back to the same answer at every split point", "[openai][cache]") {
  auto a = sample();
  const bool reasons = GENERATE(false, true);
  if (reasons) a.reasoning = "Kullanıcı BIST 100'ü soruyor; kısa ve açık yanıtlayayım, tavsiye vermeden. 🙂 ğüşıöç";
  for (const bool include_usage : {false, true}) {
    const auto replay = openai_stream_replay(a, include_usage);
    for (std::size_t cut = 0; cut <= replay.size(); ++cut) {
      std::vector<json::value> chunks;
      bool saw_done = false;
      const auto back = read_back(replay, cut, chunks, saw_done);
      REQUIRE(back);
      REQUIRE(saw_done);
      REQUIRE(back->answer == a.answer);
      REQUIRE(back->reasoning == a.reasoning);
      REQUIRE(back->finish_reason == "stop");
      REQUIRE(back->id == a.id);
      REQUIRE(back->created == a.created);
      REQUIRE(back->usage);
      REQUIRE(back->usage->total_tokens == 46);
      if (cut != 0) continue;
      // What the SDKs rely on: role in the first delta only, finish_reason on the last choice chunk,
      // the usage chunk (asked for) last with no choices.
      CHECK(chunks.front().at("choices").at(0).at("delta").at("role") == "assistant");
      const auto& last_choice_chunk = include_usage ? chunks[chunks.size() - 2] : chunks.back();
      CHECK(last_choice_chunk.at("choices").at(0).at("finish_reason") == "stop");
      const std::size_t choice_chunks = include_usage ? chunks.size() - 1 : chunks.size();
      for (std::size_t i = 1; i + 1 < choice_chunks; ++i) {
        CHECK_FALSE(chunks[i].at("choices").at(0).at("delta").as_object().contains("role"));
        CHECK(chunks[i].at("choices").at(0).at("finish_reason").is_null());
      }
      if (include_usage) {
        CHECK(chunks.back().at("choices").as_array().empty());
        CHECK(chunks.back().at("usage").at("completion_tokens") == 34);
      }
      for (const auto& c : chunks) CHECK(c.at("object") == "chat.completion.chunk");
      // Reasoning deltas (only when there is reasoning) all come before the first content delta.
      std::size_t reasoning_chunks = 0, content_seen = 0;
      for (std::size_t i = 1; i + 1 < choice_chunks; ++i) {
        const auto& delta = chunks[i].at("choices").at(0).at("delta").as_object();
        CHECK(delta.size() == 1);  // one field per delta
        if (delta.contains("reasoning")) {
          ++reasoning_chunks;
          CHECK(content_seen == 0);
        }
        content_seen += delta.contains("content");
      }
      CHECK((reasoning_chunks > 1) == reasons);  // longer than one piece of ~64 bytes
      CHECK(content_seen > 1);
      CHECK_FALSE(chunks.front().at("choices").at(0).at("delta").as_object().contains("reasoning"));
    }
  }
}

TEST_CASE("openai answer: content chunks never split a UTF-8 character", "[openai][cache]") {
  auto a = sample();
  a.answer = std::string(63, 'x') + "ğ" + std::string(62, 'y') + "📈" + "ş";
  const auto replay = openai_stream_replay(a, false);
  sse_parser parser;
  REQUIRE(parser.feed(replay));
  while (auto ev = parser.next()) {
    if (ev->data == "[DONE]") break;
    // Boost.JSON rejects invalid UTF-8 in strings: each chunk parses on its own.
    boost::system::error_code ec;
    json::parse(ev->data, ec);
    CHECK_FALSE(ec);
  }
}

TEST_CASE("openai answer: a JSON completion is kept byte for byte, a synthesized one has the same fields",
          "[openai][cache]") {
  const std::string body =
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1764300000,"model":"m","choices":[{"index":0,)"
      R"("message":{"role":"assistant","content":"Merhaba 👋"},"logprobs":null,"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7},"x_groq":{"id":"req_1"}})";
  const auto a = openai_answer_from_json(body);
  REQUIRE(a);
  CHECK(a->answer == "Merhaba 👋");
  CHECK(a->usage->total_tokens == 7);
  CHECK(openai_json_body(*a) == body);

  auto synthesized = *a;
  synthesized.hit_body.clear();
  const auto v = json::parse(openai_json_body(synthesized));
  CHECK(v.at("id") == "chatcmpl-1");
  CHECK(v.at("object") == "chat.completion");
  CHECK(v.at("created") == 1764300000);
  CHECK(v.at("choices").at(0).at("message").at("content") == "Merhaba 👋");
  CHECK(v.at("choices").at(0).at("finish_reason") == "stop");
  CHECK(v.at("usage").at("total_tokens") == 7);
}

TEST_CASE("openai answer: a reasoning model's message.reasoning is kept and replayed beside the content",
          "[openai][cache]") {
  const std::string body =
      R"({"id":"chatcmpl-2","object":"chat.completion","created":1764300001,"model":"openai/gpt-oss-20b",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Merhaba 👋","reasoning":"Selam ver\n\"kısa\""},)"
      R"("logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}})";
  const auto a = openai_answer_from_json(body);
  REQUIRE(a);
  CHECK(a->answer == "Merhaba 👋");
  CHECK(a->reasoning == "Selam ver\n\"kısa\"");
  CHECK(openai_json_body(*a) == body);  // in memory: byte for byte

  auto synthesized = *a;
  synthesized.hit_body.clear();
  const auto v = json::parse(openai_json_body(synthesized));
  CHECK(v.at("choices").at(0).at("message").at("reasoning") == "Selam ver\n\"kısa\"");
  CHECK(v.at("choices").at(0).at("message").at("content") == "Merhaba 👋");
  // Without reasoning, no field for it (a model that does not reason sends none).
  synthesized.reasoning.clear();
  CHECK_FALSE(json::parse(openai_json_body(synthesized)).at("choices").at(0).at("message").as_object().contains("reasoning"));
  // A reasoning that is not text is none.
  const auto null_reasoning = openai_answer_from_json(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":"a","reasoning":null},"finish_reason":"stop"}]})");
  REQUIRE(null_reasoning);
  CHECK(null_reasoning->reasoning.empty());
}

TEST_CASE("openai answer: a stream's reasoning deltas are collected apart from its content", "[openai][cache]") {
  openai_stream_collector c;
  CHECK(c.add(R"({"id":"i","created":5,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"));
  CHECK(c.add(R"({"choices":[{"index":0,"delta":{"reasoning":"Düşün"},"finish_reason":null}]})"));
  CHECK(c.add(R"({"choices":[{"index":0,"delta":{"reasoning":"üyorum."},"finish_reason":null}]})"));
  CHECK(c.add(R"({"choices":[{"index":0,"delta":{"reasoning":null,"content":"Yanıt"},"finish_reason":null}]})"));
  CHECK(c.add(R"({"choices":[{"index":0,"delta":{"content":" bu."},"finish_reason":null}]})"));
  CHECK(c.add(R"({"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})"));
  const auto a = std::move(c).finish();
  REQUIRE(a);
  CHECK(a->reasoning == "Düşünüyorum.");
  CHECK(a->answer == "Yanıt bu.");
  CHECK(a->finish_reason == "stop");
}

TEST_CASE("openai answer: tool calls and several choices are not replayable", "[openai][cache]") {
  CHECK_FALSE(openai_answer_from_json(
      R"({"choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"t"}]},"finish_reason":"tool_calls"}]})"));
  CHECK_FALSE(openai_answer_from_json(
      R"({"choices":[{"index":0,"message":{"content":"a"}},{"index":1,"message":{"content":"b"}}]})"));
  CHECK_FALSE(openai_answer_from_json("not json"));

  openai_stream_collector tools;
  CHECK(tools.add(R"({"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})"));
  CHECK_FALSE(tools.add(R"({"choices":[{"index":0,"delta":{"tool_calls":[{"index":0}]}}]})"));
  CHECK_FALSE(std::move(tools).finish());

  openai_stream_collector unfinished;
  CHECK(unfinished.add(R"({"choices":[{"index":0,"delta":{"content":"half"}}]})"));
  CHECK_FALSE(std::move(unfinished).finish());  // no finish_reason: the stream was cut
}

TEST_CASE("openai request: the cache input is canonical and leaves out stream options", "[openai][cache]") {
  const auto input = [](std::string_view body) {
    auto r = parse_openai_request(body, "default-model");
    REQUIRE(std::holds_alternative<openai_request>(r));
    return std::get<openai_request>(r);
  };
  const auto a = input(R"({"model":"m","messages":[{"role":"user","content":"Faiz?"}],"temperature":0.5})");
  const auto b = input(
      R"({ "stream": true, "stream_options": {"include_usage": true}, "temperature": 0.50,
           "messages": [{"content": "Faiz?", "role": "user"}], "model": "m" })");
  CHECK(a.cacheable);
  CHECK(b.cacheable);
  CHECK(a.cache_input == b.cache_input);
  CHECK(b.stream);
  CHECK(b.include_usage);
  CHECK_FALSE(a.include_usage);
  CHECK(a.cache_input == R"({"messages":[{"content":"Faiz?","role":"user"}],"model":"m","temperature":5E-1})");
  // The default model is part of the key: a change of MODEL is a different answer.
  CHECK(input(R"({"messages":[{"role":"user","content":"Faiz?"}]})").cache_input.find("default-model") !=
        std::string::npos);
  // The upstream still gets exactly what the client sent.
  CHECK(b.body.find("\"stream\": true") != std::string::npos);

  CHECK_FALSE(input(R"({"messages":[{"role":"user","content":"x"}],"n":2})").cacheable);
  CHECK(input(R"({"messages":[{"role":"user","content":"x"}],"n":1})").cacheable);
  CHECK_FALSE(input(R"({"messages":[{"role":"user","content":"x"}],"tools":[]})").cacheable);
  CHECK_FALSE(input(R"({"messages":[{"role":"user","content":"x"}],"logprobs":true})").cacheable);
  CHECK(input(R"({"messages":[{"role":"user","content":"x"}],"logprobs":false})").cacheable);
}
