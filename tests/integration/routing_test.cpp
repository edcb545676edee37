// Several Groq keys and fallback models (upstream_routes, upstream_caller) against groq-sim's
// per-key and per-model limits: rotation on 429, fallback on 503, spent routes not tried before
// their reset, every route spent (429 at once, or the QUEUE_TIMEOUT wait), keys kept secret.
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>

using namespace test;
using namespace std::chrono_literals;

namespace {

constexpr const char* key_one = "gsk-route-key-one-1111";
constexpr const char* key_two = "gsk-route-key-two-2222";
constexpr const char* primary = "openai/gpt-oss-20b";
constexpr const char* fallback = "llama-3.1-8b-instant";

// Two keys on both sides, `models` fallbacks, the sim's limits as `limits` sets them.
env_options two_keys(std::function<void(gateway::sim::sim_config&)> limits = {},
                     std::vector<std::string> fallbacks = {},
                     std::function<void(gateway::gateway_config&)> more = {}) {
  env_options o;
  o.sim = [limits](gateway::sim::sim_config& c) {
    c.api_keys = {key_one, key_two};
    if (limits) limits(c);
  };
  o.gateway = [fallbacks, more](gateway::gateway_config& c) {
    c.groq_api_key.clear();
    c.groq_api_keys = {key_one, key_two};
    c.fallback_models = fallbacks;
    if (more) more(c);
  };
  return o;
}

std::string metrics_of(test_env& env) { return env.request("GET", "/metrics", {}, {}).body; }

}  // namespace

TEST_CASE("routing: a 429 on the first key moves to the second at once, and the client sees 200", "[integration][routing]") {
  test_env env(two_keys());
  const auto r = env.chat(chat_body("BIST 100 nedir? [[sim status=429 times=1 retry_after=30 key=rot]]"));
  REQUIRE(r.status == 200);
  const auto s = env.sim().stats();
  CHECK(s.by_key.at(1) == 1);
  CHECK(s.by_key.at(2) == 1);
  const auto m = metrics_of(env);
  CHECK(m.find("gateway_upstream_retries_total 0") != std::string::npos);  // moved on, did not wait
  CHECK(m.find(R"(gateway_upstream_route_fallbacks_total{key="1",model="openai/gpt-oss-20b"} 1)") != std::string::npos);
  CHECK(m.find(R"(gateway_upstream_route_rate_limited_total{key="1",model="openai/gpt-oss-20b"} 1)") != std::string::npos);
  CHECK(m.find(R"(gateway_upstream_route_attempts_total{key="2",model="openai/gpt-oss-20b"} 1)") != std::string::npos);
}

TEST_CASE("routing: a key the upstream refuses (401) moves to the next key", "[integration][routing]") {
  env_options o;
  o.gateway = [](gateway::gateway_config& c) {
    c.groq_api_key.clear();
    c.groq_api_keys = {"gsk-revoked-key-0000", "test-key-0123456789"};
  };
  test_env env(o);
  const auto r = env.chat(chat_body("Altın nedir?"));
  REQUIRE(r.status == 200);
  CHECK(env.sim().stats().unauthorized == 1);
  CHECK(env.sim().stats().by_key.at(1) == 1);  // the second attempt, with the sim's only key
}

TEST_CASE("routing: a model answering 503 falls back to the next model, and the reply and the cache say which",
          "[integration][routing]") {
  auto options = two_keys({}, {fallback}, [](gateway::gateway_config& c) { c.upstream_max_retries = 1; });
  test_env env(options);
  const std::string question = "Enflasyon nedir? [[sim status=503 model=openai/gpt-oss-20b]]";
  const auto r = env.chat(chat_body(question));
  REQUIRE(r.status == 200);
  CHECK(str(r.json().at("model")) == fallback);
  const auto s = env.sim().stats();
  // MODEL on both keys, each with its one retry, then the fallback model on the first key.
  CHECK(s.by_model.at(primary) == 4);
  CHECK(s.by_model.at(fallback) == 1);
  CHECK(s.by_route.at(std::string("1 ") + fallback) == 1);
  // Cached under the request's key, with the model that answered.
  const auto again = env.chat(chat_body(question));
  REQUIRE(again.status == 200);
  CHECK(again.headers.at("x-cache") == "HIT");
  CHECK(str(again.json().at("model")) == fallback);
  CHECK(env.sim().stats().completions == 5);

  // /v1 too: the body sent upstream names the fallback model, and so does the answer.
  const auto v1 = env.request("POST", "/v1/chat/completions",
                              R"({"model":"openai/gpt-oss-20b","messages":[{"role":"user","content":"Faiz nedir? [[sim status=503 model=openai/gpt-oss-20b]]"}]})");
  REQUIRE(v1.status == 200);
  CHECK(str(v1.json().at("model")) == fallback);
  CHECK(boost::json::parse(env.sim().stats().last_request_body).at("model") == fallback);
}

TEST_CASE("routing: CACHE_FALLBACK_ANSWERS=false keeps a fallback's answer out of the cache", "[integration][routing]") {
  auto options = two_keys({}, {fallback}, [](gateway::gateway_config& c) {
    c.upstream_max_retries = 0;
    c.cache_fallback_answers = false;
  });
  test_env env(options);
  const std::string question = "Tahvil nedir? [[sim status=503 model=openai/gpt-oss-20b]]";
  REQUIRE(env.chat(chat_body(question)).status == 200);
  const auto again = env.chat(chat_body(question));
  REQUIRE(again.status == 200);
  CHECK(again.headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().by_model.at(fallback) == 2);
  // Another key of MODEL is no fallback: its answer is cached.
  const std::string rotated = "Repo nedir? [[sim status=429 times=1 retry_after=30 key=cfa]]";
  REQUIRE(env.chat(chat_body(rotated)).status == 200);
  const auto hit = env.chat(chat_body(rotated));
  REQUIRE(hit.status == 200);
  CHECK(hit.headers.at("x-cache") == "HIT");
}

TEST_CASE("routing: a 4xx that is the request's fault is final: no other key or model is asked",
          "[integration][routing]") {
  auto options = two_keys({}, {fallback});
  test_env env(options);
  for (const auto* status : {"400", "413", "422"}) {
    INFO(status);
    const auto before = env.sim().stats().completions;
    const auto r = env.chat(chat_body(std::string("Kötü istek? [[sim status=") + status + "]]"));
    CHECK(r.status == 502);  // the upstream rejected what we sent: the gateway's fault, not the client's
    CHECK(env.sim().stats().completions == before + 1);
  }
}

TEST_CASE("routing: a client that names a model other than MODEL gets that model, never a fallback",
          "[integration][routing]") {
  auto options = two_keys({}, {fallback}, [](gateway::gateway_config& c) { c.upstream_max_retries = 0; });
  test_env env(options);
  const auto r = env.request("POST", "/v1/chat/completions",
                             R"({"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"x [[sim status=503]]"}]})");
  CHECK(r.status == 502);
  const auto s = env.sim().stats();
  CHECK(s.by_model.at("qwen/qwen3-32b") == 2);  // both keys
  CHECK(s.by_model.count(fallback) == 0);
}

TEST_CASE("routing: a spent route is not tried again before its reset, and every route spent is a 429 at once",
          "[integration][routing]") {
  captured_log log;
  auto options = two_keys([](gateway::sim::sim_config& c) { c.limits.requests = 2; });
  options.log = log.logger(gateway::log_level::info);
  test_env env(options);
  for (int i = 0; i < 4; ++i) {
    const auto r = env.chat(chat_body("Soru " + std::to_string(i) + " nedir?"));
    INFO(i);
    REQUIRE(r.status == 200);
  }
  auto s = env.sim().stats();
  CHECK(s.by_key.at(1) == 2);  // key 1 until the headers said it was spent, then key 2
  CHECK(s.by_key.at(2) == 2);
  CHECK(s.rate_limited == 0);  // no request was sent that the sim had to refuse

  const auto refused = env.chat(chat_body("Son soru nedir?"));
  REQUIRE(refused.status == 429);
  CHECK(refused.json().at("error").at("code") == "rate_limited");
  const auto retry_after = std::stoi(refused.headers.at("retry-after"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 60);
  s = env.sim().stats();
  CHECK(s.completions == 4);  // no upstream call
  const auto m = metrics_of(env);
  CHECK(m.find("gateway_upstream_spent_refusals_total 1") != std::string::npos);
  CHECK(m.find(R"(gateway_upstream_route_exhausted{key="1",model="openai/gpt-oss-20b"} 1)") != std::string::npos);
  CHECK(m.find(R"(gateway_upstream_route_remaining_requests{key="2",model="openai/gpt-oss-20b"} 0)") != std::string::npos);
  CHECK(log.text().find("upstream route key #1 openai/gpt-oss-20b exhausted") != std::string::npos);
  CHECK(log.text().find("upstream route key #2 openai/gpt-oss-20b exhausted") != std::string::npos);
}

TEST_CASE("routing: with every route spent, Retry-After is the earliest reset of any model", "[integration][routing]") {
  auto options = two_keys([](gateway::sim::sim_config& c) {
    c.api_keys = {key_one};
    c.model_limits[primary] = gateway::sim::sim_limit{1, 50s};
    c.model_limits[fallback] = gateway::sim::sim_limit{1, 8s};
  }, {fallback}, [](gateway::gateway_config& c) { c.groq_api_keys = {key_one}; });
  test_env env(options);
  REQUIRE(env.chat(chat_body("Birinci soru?")).status == 200);  // MODEL's one request
  const auto second = env.chat(chat_body("İkinci soru?"));       // the fallback's one request
  REQUIRE(second.status == 200);
  CHECK(str(second.json().at("model")) == fallback);
  const auto refused = env.chat(chat_body("Üçüncü soru?"));
  REQUIRE(refused.status == 429);
  const auto retry_after = std::stoi(refused.headers.at("retry-after"));
  CHECK(retry_after >= 1);
  CHECK(retry_after <= 8);  // the fallback's window, not MODEL's 50 s
  CHECK(env.sim().stats().completions == 2);
}

TEST_CASE("routing: QUEUE_TIMEOUT holds a request for a reset that comes sooner, then sends it",
          "[integration][routing]") {
  captured_log log;
  auto options = two_keys([](gateway::sim::sim_config& c) {
    c.api_keys = {key_one};
    c.limits = gateway::sim::sim_limit{1, 2s};
  }, {}, [](gateway::gateway_config& c) {
    c.groq_api_keys = {key_one};
    c.queue_timeout = 10s;
  });
  options.log = log.logger(gateway::log_level::info);
  test_env env(options);
  REQUIRE(env.chat(chat_body("Birinci soru?")).status == 200);
  const auto started = std::chrono::steady_clock::now();
  const auto held = env.chat(chat_body("İkinci soru?"));
  REQUIRE(held.status == 200);
  CHECK(std::chrono::steady_clock::now() - started >= 1s);  // it waited for the window (2 s from the first)
  const auto s = env.sim().stats();
  CHECK(s.completions == 2);
  CHECK(s.rate_limited == 0);
  CHECK(log.text().find("waiting") != std::string::npos);
  CHECK(log.text().find("upstream route key #1 openai/gpt-oss-20b recovered") != std::string::npos);
}

TEST_CASE("routing: a token budget spent is a route spent", "[integration][routing]") {
  auto options = two_keys([](gateway::sim::sim_config& c) {
    c.api_keys = {key_one};
    c.limits.tokens = 10;  // one answer takes more than that
  }, {}, [](gateway::gateway_config& c) { c.groq_api_keys = {key_one}; });
  test_env env(options);
  REQUIRE(env.chat(chat_body("Birinci soru?")).status == 200);
  const auto refused = env.chat(chat_body("İkinci soru?"));
  CHECK(refused.status == 429);
  CHECK(env.sim().stats().completions == 1);
  CHECK(metrics_of(env).find(R"(gateway_upstream_route_remaining_tokens{key="1",model="openai/gpt-oss-20b"} 0)") !=
        std::string::npos);
}

TEST_CASE("routing: keys never reach a log line, /metrics or an error body", "[integration][routing]") {
  captured_log log;
  auto options = two_keys([](gateway::sim::sim_config& c) { c.limits.requests = 1; }, {fallback},
                          [](gateway::gateway_config& c) {
                            c.upstream_max_retries = 0;
                            c.groq_api_keys = {"gsk-revoked-key-0000", key_one, key_two};
                          });
  options.log = log.logger(gateway::log_level::debug);
  test_env env(options);
  std::string bodies;
  for (const auto* q : {"Bir?", "İki? [[sim status=503 model=openai/gpt-oss-20b]]", "Üç?", "Dört?", "Beş?", "Altı?"}) {
    const auto r = env.chat(chat_body(q));
    bodies += r.body;
    const auto v1 = env.request("POST", "/v1/chat/completions",
                                std::string(R"({"messages":[{"role":"user","content":")") + q + R"("}]})");
    bodies += v1.body;
  }
  CHECK(bodies.find("rate_limited") != std::string::npos);  // the last ones were refused: error bodies too
  const auto m = metrics_of(env);
  for (const std::string secret : {"gsk-revoked-key-0000", key_one, key_two}) {
    INFO(secret);
    CHECK(log.text().find(secret) == std::string::npos);
    CHECK(m.find(secret) == std::string::npos);
    CHECK(bodies.find(secret) == std::string::npos);
  }
  CHECK(m.find(R"(key="3")") != std::string::npos);  // keys by position
}
