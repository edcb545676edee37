#include "chat/upstream_body.hpp"
#include "pii/pii_mapping.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace gateway;

namespace {
chat_request with_history(std::size_t n) {
  chat_request r;
  r.question = "BIST 100 nedir?";
  for (std::size_t i = 0; i < n; ++i)
    r.history.push_back({i % 2 ? "assistant" : "user", "mesaj " + std::to_string(i)});
  return r;
}
}  // namespace

TEST_CASE("upstream body: system prompt, last HISTORY_LIMIT messages, then the question", "[upstream]") {
  gateway_config cfg;
  const auto body = boost::json::parse(upstream_body_builder(cfg)(with_history(6), false)).as_object();
  const auto& messages = body.at("messages").as_array();
  REQUIRE(messages.size() == 1 + 4 + 1);
  CHECK(messages[0].at("role") == "system");
  CHECK(messages[0].at("content").as_string() == cfg.system_prompt.c_str());
  CHECK(messages[1].at("content") == "mesaj 2");  // the oldest two were dropped
  CHECK(messages[4].at("content") == "mesaj 5");
  CHECK(messages[5].at("role") == "user");
  CHECK(messages[5].at("content") == "BIST 100 nedir?");
  CHECK(body.at("model") == "openai/gpt-oss-20b");
  CHECK(body.at("max_completion_tokens") == 300);
  CHECK(body.at("temperature").as_double() == Approx(0.6));
  CHECK(body.at("top_p").as_double() == Approx(0.85));
  CHECK(body.at("stream") == false);
  CHECK_FALSE(body.contains("stream_options"));
  CHECK(body.at("reasoning_effort") == "low");  // gpt-oss: keep reasoning inside the token budget
}

TEST_CASE("upstream body: streaming asks for usage, limits and model settings apply", "[upstream]") {
  gateway_config cfg;
  cfg.history_limit = 0;
  cfg.model = "qwen/qwen3-32b";
  cfg.system_prompt.clear();
  cfg.max_new_tokens = 200;
  const auto body = boost::json::parse(upstream_body_builder(cfg)(with_history(3), true)).as_object();
  const auto& messages = body.at("messages").as_array();
  REQUIRE(messages.size() == 1);  // no system prompt, no history
  CHECK(body.at("stream") == true);
  CHECK(body.at("stream_options").at("include_usage") == true);
  CHECK(body.at("max_completion_tokens") == 200);
  CHECK_FALSE(body.contains("reasoning_effort"));
}

TEST_CASE("upstream body: history shorter than the limit is sent whole", "[upstream]") {
  const auto history = with_history(2).history;
  CHECK(trimmed_history(history, 4).size() == 2);
  CHECK(trimmed_history(history, 1).front().content == "mesaj 1");
  CHECK(trimmed_history({}, 4).empty());
}

TEST_CASE("upstream body: the same document the DOM it replaced serialized", "[upstream]") {
  // The body is written by hand; this is the json::object it used to be built as, for settings
  // and text that need escaping.
  for (const bool stream : {false, true})
    for (const std::string model : {"openai/gpt-oss-20b", "qwen/\"q\"\\3"}) {
      gateway_config cfg;
      cfg.model = model;
      cfg.temperature = 0.1 + 0.2;  // not short in binary: must come back as the same double
      cfg.top_p = 1;
      cfg.system_prompt = "Sen bir finans asistanısın.\n\t\"Kısa\" yanıt ver \x01 💰";
      auto request = with_history(3);
      request.question = "BIST 100 nedir?\r\n</script>";
      boost::json::array messages;
      messages.push_back(boost::json::object{{"role", "system"}, {"content", cfg.system_prompt}});
      for (const auto& m : trimmed_history(request.history, cfg.history_limit))
        messages.push_back(boost::json::object{{"role", m.role}, {"content", m.content}});
      messages.push_back(boost::json::object{{"role", "user"}, {"content", request.question}});
      boost::json::object expected{{"model", cfg.model},       {"messages", std::move(messages)},
                                   {"max_completion_tokens", cfg.max_new_tokens},
                                   {"temperature", cfg.temperature}, {"top_p", cfg.top_p}, {"stream", stream}};
      if (auto effort = effective_reasoning_effort(cfg); !effort.empty()) expected["reasoning_effort"] = effort;
      if (stream) expected["stream_options"] = boost::json::object{{"include_usage", true}};
      const auto ours = upstream_body_builder(cfg)(request, stream);
      INFO(ours);
      const auto parsed = boost::json::parse(ours);
      CHECK(parsed == boost::json::value(expected));
      // Key order too: the hand-written body lists the fields as the object did.
      std::vector<std::string> keys, expected_keys;
      for (const auto& kv : parsed.as_object()) keys.emplace_back(kv.key());
      for (const auto& kv : expected) expected_keys.emplace_back(kv.key());
      CHECK(keys == expected_keys);
    }
}

// The sampling settings are written once per builder, from its configuration: each configuration
// gets its own text (a value written before is never reused), and -0.0 is not taken for 0.0.
TEST_CASE("upstream body: each configuration's sampling settings as they are", "[upstream]") {
  gateway_config cfg;
  const auto request = with_history(0);
  const std::vector<std::pair<double, std::string>> cases{
      {0.6, "0.6"}, {0.7, "0.7"}, {0.6, "0.6"}, {1.0, "1.0"}, {0.0, "0.0"}, {-0.0, "-0.0"}, {1e-7, "1e-07"}};
  for (const auto& [value, text] : cases) {
    cfg.temperature = value;
    cfg.top_p = value;
    const auto body = upstream_body_builder(cfg)(request, false);
    INFO(body);
    CHECK(body.find("\"temperature\":" + text + ",\"top_p\":" + text + ",") != std::string::npos);
  }
}

TEST_CASE("upstream body: one builder serves JSON and stream, with and without placeholders",
          "[upstream]") {
  gateway_config cfg;
  const upstream_body_builder build(cfg);
  auto request = with_history(1);
  for (const bool stream : {false, true})
    for (const bool placeholders : {false, true}) {
      const auto body = boost::json::parse(build(request, stream, placeholders)).as_object();
      CHECK(body.at("stream") == stream);
      CHECK(body.contains("stream_options") == stream);
      const auto system = std::string(body.at("messages").at(0).at("content").as_string());
      CHECK((system.find(pii_instruction) != std::string::npos) == placeholders);
      CHECK(body.at("messages").as_array().size() == 3);
    }
}
