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

TEST_CASE("cache: a similar question is answered from the cache, a look-alike goes upstream",
          "[integration][cache][match]") {
  test_env env;
  const auto first = env.chat(chat_body("Yatırım fonu nedir?"));
  REQUIRE(first.status == 200);
  CHECK(first.headers.at("x-cache") == "MISS");
  CHECK(first.headers.count("x-cache-match") == 0);

  const auto exact = env.chat(chat_body("yatırım fonu NEDİR"));
  CHECK(exact.headers.at("x-cache") == "HIT");
  CHECK(exact.headers.at("x-cache-match") == "exact");

  const auto similar = env.chat(chat_body("Yatırım fonları ne demek?"));
  REQUIRE(similar.status == 200);
  CHECK(similar.headers.at("x-cache") == "HIT");
  CHECK(similar.headers.at("x-cache-match") == "similar");
  CHECK(similar.json().at("answer") == first.json().at("answer"));  // served as it was stored
  CHECK(similar.json().at("cached") == true);

  const auto streamed = env.chat_stream(chat_body("Nedir yatırım fonu?", true));
  REQUIRE(streamed.status == 200);
  CHECK(streamed.headers.at("x-cache") == "HIT");
  CHECK(streamed.headers.at("x-cache-match") == "similar");
  CHECK(streamed.text == str(first.json().at("answer")));
  CHECK(streamed.saw_done_marker);
  CHECK(env.sim().stats().completions == 1);

  // A look-alike asks something else: it goes upstream.
  const auto other = env.chat(chat_body("Emeklilik fonu nedir?"));
  CHECK(other.headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().completions == 2);
  // The history rule: the same words with another history are another question.
  const auto with_history = env.chat(R"({"question":"Yatırım fonları ne demek?","history":[{"role":"user","content":"Merhaba"}]})");
  CHECK(with_history.headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().completions == 3);

  const auto m = env.request("GET", "/metrics", {}, {});
  CHECK(m.body.find("gateway_cache_hits_by_match_total{match=\"similar\"} 2\n") != std::string::npos);
  CHECK(m.body.find("gateway_cache_hits_by_match_total{match=\"exact\"} 1\n") != std::string::npos);
}

TEST_CASE("cache: CACHE_MATCH=exact answers only the same text from the cache", "[integration][cache][match]") {
  test_env env(with_gateway([](auto& c) { c.cache_match_similar = false; }));
  REQUIRE(env.chat(chat_body("Yatırım fonu nedir?")).headers.at("x-cache") == "MISS");
  const auto same = env.chat(chat_body("yatırım fonu nedir"));
  CHECK(same.headers.at("x-cache") == "HIT");
  CHECK(same.headers.at("x-cache-match") == "exact");
  CHECK(env.chat(chat_body("Yatırım fonları ne demek?")).headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().completions == 2);
}
