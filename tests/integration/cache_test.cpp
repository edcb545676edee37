// The response cache end to end: hits, normalized variants, streamed replays, bypass, what is never
// cached. Coalescing of concurrent identical requests: coalescing_test.cpp.
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace test;
namespace json = boost::json;

TEST_CASE("cache: a repeated question is a hit and does not reach the upstream", "[integration][cache]") {
  test_env env;
  const auto first = env.chat(chat_body("BIST 100 nedir?"));
  REQUIRE(first.status == 200);
  CHECK(first.headers.at("x-cache") == "MISS");
  CHECK(first.json().at("cached") == false);
  const auto second = env.chat(chat_body("BIST 100 nedir?"));
  REQUIRE(second.status == 200);
  CHECK(second.headers.at("x-cache") == "HIT");
  CHECK(second.json().at("cached") == true);
  CHECK(second.json().at("answer") == first.json().at("answer"));
  CHECK(second.json().at("usage") == first.json().at("usage"));
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("cache: variants of the same question hit, a different question misses", "[integration][cache]") {
  test_env env;
  REQUIRE(env.chat(chat_body("BIST 100 nedir?")).headers.at("x-cache") == "MISS");
  for (auto variant : {"  bist 100   NEDİR", "BIST 100 nedir ?", "bist 100 nedir…"})
    CHECK(env.chat(chat_body(variant)).headers.at("x-cache") == "HIT");
  CHECK(env.chat(chat_body("BIST 30 nedir?")).headers.at("x-cache") == "MISS");
  REQUIRE(env.chat(chat_body("Borsa İstanbul yatırım")).headers.at("x-cache") == "MISS");
  CHECK(env.chat(chat_body("borsa istanbul yatirim")).headers.at("x-cache") == "HIT");
  CHECK(env.sim().stats().completions == 3);
}

TEST_CASE("cache: a streamed hit replays the original answer as SSE", "[integration][cache]") {
  test_env env;
  const auto live = env.chat_stream(chat_body("Temettü nedir?", true));
  REQUIRE(live.saw_done_marker);
  CHECK(live.headers.at("x-cache") == "MISS");
  const auto replay = env.chat_stream(chat_body("temettu nedir", true));
  REQUIRE(replay.status == 200);
  CHECK(replay.headers.at("x-cache") == "HIT");
  CHECK(replay.headers.at("content-type") == "text/event-stream; charset=utf-8");
  CHECK(replay.text == live.text);
  CHECK(replay.saw_done_marker);
  const auto done = json::parse(replay.events[replay.events.size() - 2].data);
  CHECK(done.at("cached") == true);
  CHECK(done.at("usage").at("completion_tokens") == 48);
  // A JSON request for the same question is served from the entry the stream stored.
  CHECK(str(env.chat(chat_body("Temettü nedir?")).json().at("answer")) == live.text);
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("cache: bypass by header or field still stores the fresh answer", "[integration][cache]") {
  test_env env;
  REQUIRE(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  const auto by_header = env.request("POST", "/chat", chat_body("BIST 100 nedir?"),
                                     {{"content-type", "application/json"}, {"cache-control", "no-cache"}});
  CHECK(by_header.headers.at("x-cache") == "BYPASS");
  CHECK(by_header.json().at("cached") == false);
  const auto by_field = env.chat(chat_body("BIST 100 nedir?", false, "\"cache\":false"));
  CHECK(by_field.headers.at("x-cache") == "BYPASS");
  CHECK(env.sim().stats().completions == 3);
  CHECK(env.chat(chat_body("BIST 100 nedir?")).headers.at("x-cache") == "HIT");
  CHECK(env.chat(chat_body("x", false, "\"cache\":\"no\"")).status == 400);
}

TEST_CASE("cache: CACHE_ENABLED=false sends every request upstream", "[integration][cache]") {
  test_env env(with_gateway([](auto& c) { c.cache_enabled = false; }));
  for (int i = 0; i < 3; ++i) {
    const auto r = env.chat(chat_body("BIST 100 nedir?"));
    CHECK(r.headers.at("x-cache") == "BYPASS");
    CHECK(r.json().at("cached") == false);
  }
  CHECK(env.sim().stats().completions == 3);
}

TEST_CASE("cache: errors and cut streams are never cached", "[integration][cache]") {
  test_env env(with_gateway([](auto& c) { c.upstream_max_retries = 0; }));  // one upstream call per request
  for (int i = 0; i < 2; ++i) CHECK(env.chat(chat_body("hata [[sim status=500]]")).status == 502);
  for (int i = 0; i < 2; ++i) CHECK(env.chat_stream(chat_body("kesik [[sim drop_after=3]]", true)).error);
  CHECK(env.sim().stats().completions == 4);
}
