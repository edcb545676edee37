// W3C trace context over real sockets (lib/trace, lib/http/trace_headers, relay/upstream_trace):
// a client's valid traceparent and tracestate reach groq-sim as they came, on every attempt; a
// request without one (or with a bad one, or two) starts a new trace of its own; the access log
// names the trace; answers say in Server-Timing how the cache took part and when the upstream's
// first byte came.
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

using namespace test;

namespace {
const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const std::regex new_parent("00-[0-9a-f]{32}-[0-9a-f]{16}-00");

std::map<std::string, std::string> traced(std::string traceparent, std::string tracestate = {}) {
  std::map<std::string, std::string> h{{"content-type", "application/json"},
                                       {"traceparent", std::move(traceparent)}};
  if (!tracestate.empty()) h.emplace("tracestate", std::move(tracestate));
  return h;
}
}  // namespace

TEST_CASE("trace: a client's traceparent and tracestate reach the upstream as they came",
          "[integration][trace]") {
  test_env env;
  const auto r = env.request("POST", "/chat", chat_body("BIST 100 nedir?"),
                             traced(parent, "congo=t61rcWkgMzE"));
  REQUIRE(r.status == 200);
  CHECK(env.sim().stats().last_traceparent == parent);
  CHECK(env.sim().stats().last_tracestate == "congo=t61rcWkgMzE");
  // The same on /v1 and on a stream.
  const auto v1 = env.request(
      "POST", "/v1/chat/completions",
      R"({"model":"openai/gpt-oss-20b","messages":[{"role":"user","content":"Altın nedir?"}]})",
      traced(parent));
  CHECK(v1.status == 200);
  CHECK(env.sim().stats().last_traceparent == parent);
  CHECK(env.sim().stats().last_tracestate.empty());
  const auto traced_before = env.sim().stats().traced_completions;
  const auto s = env.stream("/chat", chat_body("Faiz nedir?", true), {}, traced(parent));
  REQUIRE(s.status == 200);
  CHECK(env.sim().stats().traced_completions == traced_before + 1);  // this very stream's call
  CHECK(env.sim().stats().last_traceparent == parent);
}

TEST_CASE("trace: every upstream attempt carries the trace", "[integration][trace]") {
  test_env env;
  const auto before = env.sim().stats();
  const auto r = env.request("POST", "/chat", chat_body("x [[sim status=503 times=1 key=trace503]]"),
                             traced(parent));
  REQUIRE(r.status == 200);
  const auto after = env.sim().stats();
  CHECK(after.completions - before.completions == 2);  // the 503, then the answer
  CHECK(after.traced_completions - before.traced_completions == 2);
  CHECK(after.last_traceparent == parent);
}

TEST_CASE("trace: without a usable traceparent a request starts its own trace", "[integration][trace]") {
  test_env env;
  std::set<std::string> seen;
  for (const auto& sent : {std::string(), std::string("00-zz"),
                           std::string("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01")}) {
    INFO("sent: '" << sent << "'");
    const auto question = "Soru " + std::to_string(seen.size()) + " nedir?";
    const auto r = sent.empty() ? env.chat(chat_body(question))
                                : env.request("POST", "/chat", chat_body(question), traced(sent, "a=1"));
    REQUIRE(r.status == 200);
    const auto got = env.sim().stats().last_traceparent;
    CHECK(std::regex_match(got, new_parent));
    CHECK(env.sim().stats().last_tracestate.empty());  // a tracestate goes only with its traceparent
    seen.insert(got);
  }
  CHECK(seen.size() == 3);  // a new trace each time

  // Two traceparent lines: neither is taken (the client cannot pick one for the gateway).
  raw_client c(env.port());
  const std::string body = chat_body("İki satır nedir?");
  c.send("POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\ntraceparent: " + parent +
         "\r\ntraceparent: " + parent + "\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(c.read_all().rfind("HTTP/1.1 200", 0) == 0);
  const auto got = env.sim().stats().last_traceparent;
  CHECK(std::regex_match(got, new_parent));
}

TEST_CASE("trace: the access log names the trace, for a hit too", "[integration][trace]") {
  captured_log access;
  env_options o;
  o.access = access.logger(gateway::log_level::info);
  test_env env(std::move(o));
  REQUIRE(env.chat(chat_body("Temettü nedir?")).status == 200);  // a miss: a new trace
  const auto own = env.sim().stats().last_traceparent.substr(3, 32);
  REQUIRE(env.request("POST", "/chat", chat_body("Temettü nedir?"), traced(parent)).status == 200);  // a hit
  CHECK(test_env::eventually([&] {
    const auto log = access.text();
    return log.find("\"trace_id\":\"" + own + "\"") != std::string::npos &&
           log.find("\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\"") != std::string::npos;
  }));
}

TEST_CASE("Server-Timing: a miss names the upstream's first byte, a hit the cache alone",
          "[integration][trace]") {
  test_env env;
  const auto miss = env.chat(chat_body("Enflasyon nedir?"));
  REQUIRE(miss.status == 200);
  const std::regex upstream(R"(cache;desc=MISS, upstream;desc="first byte";dur=[0-9]+\.[0-9]{3})");
  CHECK(std::regex_match(miss.headers.at("server-timing"), upstream));
  const auto hit = env.chat(chat_body("Enflasyon nedir?"));
  CHECK(hit.headers.at("server-timing") == "cache;desc=HIT");
  const auto streamed = env.stream("/chat", chat_body("Tahvil nedir?", true));
  CHECK(std::regex_match(streamed.headers.at("server-timing"), upstream));
}
