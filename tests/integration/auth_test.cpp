// GATEWAY_API_KEYS on /chat and the OpenAI endpoint (the SDK tests in tests/sdk cover the SDKs' view).
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace test;

TEST_CASE("auth: with GATEWAY_API_KEYS set, /chat and /v1 need a key - /healthz stays open", "[integration][auth]") {
  test_env env(with_gateway([](auto& c) { c.gateway_api_keys = "alpha-key,beta-key"; }));
  const std::map<std::string, std::string> json_only{{"content-type", "application/json"}};
  auto with_key = [](std::string key) {
    return std::map<std::string, std::string>{{"content-type", "application/json"}, {"authorization", "Bearer " + key}};
  };

  const auto none = env.request("POST", "/chat", chat_body("BIST 100 nedir?"), json_only);
  CHECK(none.status == 401);
  CHECK(none.json().at("error").at("code") == "invalid_api_key");
  CHECK(env.request("POST", "/chat", chat_body("BIST 100 nedir?"), with_key("wrong")).status == 401);
  CHECK(env.request("POST", "/chat", chat_body("BIST 100 nedir?"), with_key("beta-key")).status == 200);

  const std::string completion = R"({"messages":[{"role":"user","content":"BIST 100 nedir?"}]})";
  const auto v1 = env.request("POST", "/v1/chat/completions", completion, json_only);
  CHECK(v1.status == 401);
  CHECK(v1.json().at("error").at("type") == "authentication_error");
  CHECK(v1.json().at("error").at("param").is_null());
  const auto ok = env.request("POST", "/v1/chat/completions", completion, with_key("alpha-key"));
  REQUIRE(ok.status == 200);
  CHECK(ok.json().at("object") == "chat.completion");
  CHECK(ok.json().at("model") == "openai/gpt-oss-20b");  // MODEL filled in
  // A request is counted once its reply is written: the test's next request, on another of the
  // io_context's two threads, may come before that - the counts are read until they are there.
  std::string m;
  const auto counted = [&](std::string_view line) {
    return test_env::eventually([&] {
      m = env.request("GET", "/metrics", {}, {}).body;
      return m.find(line) != std::string::npos;
    });
  };
  CHECK(counted("gateway_requests_total{route=\"/v1/chat/completions\",status=\"200\"} 1\n"));
  CHECK(counted("gateway_requests_total{route=\"/v1/chat/completions\",status=\"401\"} 1\n"));
  CHECK(counted("gateway_added_latency_seconds_count 2\n"));  // /chat and /v1

  CHECK(env.request("GET", "/healthz", {}, {}).status == 200);
  CHECK(env.sim().stats().completions == 2);  // refused requests never reach the upstream
}

TEST_CASE("auth: without GATEWAY_API_KEYS the API is open", "[integration][auth]") {
  test_env env;
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  CHECK(env.request("GET", "/v1/models", {}, {}).status == 200);
  const auto missing = env.request("GET", "/v1/nothing", {}, {});
  CHECK(missing.status == 404);
  CHECK(missing.json().at("error").at("type") == "not_found_error");
}

TEST_CASE("request ids: a client's X-Request-Id is returned and sent upstream", "[integration]") {
  test_env env;
  const auto r = env.request("POST", "/chat", chat_body("BIST 100 nedir?"),
                             {{"content-type", "application/json"}, {"x-request-id", "client-abc.1"}});
  CHECK(r.headers.at("x-request-id") == "client-abc.1");
  CHECK(env.sim().stats().last_request_id == "client-abc.1");
  // An unusable one (too long, odd characters) is replaced by the gateway's own.
  const auto own = env.request("POST", "/chat", chat_body("Temettü nedir?"),
                               {{"content-type", "application/json"}, {"x-request-id", "bad id;"}});
  CHECK(own.headers.at("x-request-id") != "bad id;");
  CHECK(env.sim().stats().last_request_id == own.headers.at("x-request-id"));
}

TEST_CASE("metrics: GET /metrics counts what happened, in Prometheus text", "[integration][metrics]") {
  test_env env;
  REQUIRE(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  REQUIRE(env.chat(chat_body("BIST 100 nedir?")).headers.at("x-cache") == "HIT");
  REQUIRE(env.chat("{").status == 400);
  // A request is counted when the server is done with it, just after its client has the answer -
  // on either of the io_context's two threads, so not always in the order they were sent: scrape
  // until the last one is in and nothing is in flight (the scrape does not count itself).
  test::http_result m;
  const bool counted = test_env::eventually([&] {
    m = env.request("GET", "/metrics", {}, {});
    return m.body.find("gateway_requests_total{route=\"/chat\",status=\"400\"} 1\n") != std::string::npos &&
           m.body.find("gateway_requests_in_flight 0\n") != std::string::npos;
  });
  CHECK(counted);
  REQUIRE(m.status == 200);
  CHECK(m.headers.at("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(m.body.find("gateway_requests_total{route=\"/chat\",status=\"200\"} 2\n") != std::string::npos);
  CHECK(m.body.find("gateway_requests_total{route=\"/chat\",status=\"400\"} 1\n") != std::string::npos);
  CHECK(m.body.find("gateway_requests_in_flight 0\n") != std::string::npos);  // not counting this scrape
  CHECK(m.body.find("gateway_cache_hits_total 1\n") != std::string::npos);
  CHECK(m.body.find("gateway_upstream_attempts_total{outcome=\"ok\"} 1\n") != std::string::npos);
  CHECK(m.body.find("gateway_breaker_state 0\n") != std::string::npos);
  CHECK(m.body.find("gateway_pool_connections_created_total 1\n") != std::string::npos);
  CHECK(m.body.find("gateway_upstream_first_byte_seconds_count 1\n") != std::string::npos);
  CHECK(m.body.find("gateway_added_latency_seconds_count 1\n") != std::string::npos);  // the miss; hits do not count
  CHECK(m.body.find("gateway_pool_connections_in_use 0\n") != std::string::npos);
}
