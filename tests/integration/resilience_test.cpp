// Resilience against groq-sim's fault injection: retries (and when not to), Retry-After, the
// circuit breaker, SSE keep-alive comments. Timeouts are shortened per test so the suite stays fast.
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>

using namespace test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {
std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}
double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}
}  // namespace

TEST_CASE("resilience: a 429 with retry-after 1 is retried after a second and succeeds", "[integration][retry]") {
  test_env env;
  const auto started = std::chrono::steady_clock::now();
  const auto r = env.chat(chat_body("BIST 100 nedir? [[sim status=429 times=1 retry_after=1 key=r429]]"));
  const auto took = seconds_since(started);
  REQUIRE(r.status == 200);
  CHECK(took >= 1.0);
  CHECK(env.sim().stats().completions == 2);
}

TEST_CASE("resilience: three 503s make exactly three attempts, then 502", "[integration][retry]") {
  test_env env;
  const auto r = env.chat(chat_body("x [[sim status=503 times=3 key=r503]]"));
  CHECK(r.status == 502);
  CHECK(r.json().at("error").at("code") == "upstream_error");
  CHECK(env.sim().stats().completions == 3);
  // The fourth would have succeeded: the next request does, on its first attempt.
  CHECK(env.chat(chat_body("x [[sim status=503 times=3 key=r503]]")).status == 200);
  CHECK(env.sim().stats().completions == 4);
}

TEST_CASE("resilience: a 503 then success is invisible to the client, streaming too", "[integration][retry]") {
  test_env env;
  const auto s = env.chat_stream(chat_body("Faiz nedir? [[sim status=503 times=1 key=r503s]]", true));
  REQUIRE(s.status == 200);
  CHECK(s.saw_done_marker);
  CHECK(s.text == expected_answer("Faiz nedir? [[sim status=503 times=1 key=r503s]]"));
  CHECK(env.sim().stats().completions == 2);
}

TEST_CASE("resilience: client errors and 498 are not retried", "[integration][retry]") {
  test_env env;
  for (const char* status : {"400", "401", "403", "404", "413", "422", "498"}) {
    INFO(status);
    const auto before = env.sim().stats().completions;
    const auto r = env.chat(chat_body(std::string("x [[sim status=") + status + "]]"));
    CHECK(r.status == 502);
    CHECK(env.sim().stats().completions == before + 1);
  }
}

TEST_CASE("resilience: a Retry-After longer than the wait cap or the deadline is answered at once",
          "[integration][retry]") {
  test_env env(with_gateway([](auto& c) { c.request_timeout = 3s; }));
  for (const char* retry_after : {"120", "5"}) {  // over the 60 s cap; past the 3 s deadline
    INFO(retry_after);
    const auto before = env.sim().stats().completions;
    const auto started = std::chrono::steady_clock::now();
    const auto r = env.chat(chat_body(std::string("x [[sim status=429 retry_after=") + retry_after + "]]"));
    CHECK(seconds_since(started) < 1.0);
    CHECK(r.status == 429);
    CHECK(r.headers.at("retry-after") == retry_after);
    CHECK(env.sim().stats().completions == before + 1);
  }
}

TEST_CASE("resilience: a first-byte timeout is retried, then 504", "[integration][retry]") {
  test_env env(with_gateway([](auto& c) {
    c.upstream_timeout = 200ms;
    c.upstream_max_retries = 1;
  }));
  const auto r = env.chat(chat_body("x [[sim stall=20000]]"));
  CHECK(r.status == 504);
  CHECK(r.json().at("error").at("code") == "upstream_timeout");
  CHECK(env.sim().stats().completions == 2);
}

TEST_CASE("resilience: the breaker opens after consecutive failures, serves the cache, and recovers",
          "[integration][breaker]") {
  test_env env(with_gateway([](auto& c) {
    c.upstream_max_retries = 0;
    c.breaker_failures = 2;
    c.breaker_cooldown = 300ms;
  }));
  REQUIRE(env.chat(chat_body("BIST 100 nedir?")).status == 200);  // cached from now on
  for (int i = 0; i < 2; ++i) CHECK(env.chat(chat_body("x [[sim status=500]]")).status == 502);
  const auto calls = env.sim().stats().completions;

  const auto fast = env.chat(chat_body("Temettü nedir?"));
  CHECK(fast.status == 503);
  CHECK(fast.json().at("error").at("code") == "upstream_unavailable");
  CHECK_FALSE(fast.headers.at("retry-after").empty());
  CHECK(env.sim().stats().completions == calls);  // failed fast, upstream untouched
  CHECK(env.chat(chat_body("BIST 100 nedir?")).headers.at("x-cache") == "HIT");  // cache still serves
  CHECK(env.request("GET", "/readyz", {}, {}).status == 503);  // not ready while the upstream fails
  CHECK(env.request("GET", "/healthz", {}, {}).status == 200);  // but alive

  // After the cooldown one probe goes through; its success closes the breaker.
  CHECK(test_env::eventually([&] { return env.chat(chat_body("Temettü nedir?")).status == 200; }, 3s));
  CHECK(env.chat(chat_body("Hisse nedir?")).status == 200);
  CHECK(env.request("GET", "/readyz", {}, {}).status == 200);
}

TEST_CASE("resilience: a silent upstream stream gets SSE keep-alive comments", "[integration][keepalive]") {
  test_env env(with_gateway([](auto& c) { c.sse_keepalive_interval = 100ms; }));
  // Three tokens 600 ms apart: each gap is six keep-alive intervals of silence.
  const std::string question = "Altın nedir? [[sim tokens=3 interval=600]]";
  const auto s = env.chat_stream(chat_body(question, true));
  REQUIRE(s.status == 200);
  CHECK(count(s.body, ": keep-alive\n\n") >= 2);
  CHECK(s.text == expected_answer(question, 3));
  CHECK(s.saw_done_marker);
  CHECK_FALSE(s.error);
}
