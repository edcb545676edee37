// Routes across keys and models (lib/upstream/upstream_routes), the pieces they read (Go durations,
// x-ratelimit-* resets, the request's model) and groq-sim's windows that they are tested against.
#include "config/gateway_config.hpp"
#include "core/duration_text.hpp"
#include "tools/sim/sim_limits.hpp"
#include "upstream/rate_limits.hpp"
#include "upstream/request_model.hpp"
#include "upstream/upstream_routes.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

using namespace gateway;
using namespace std::chrono_literals;

namespace {

struct fake_clock {
  clock_type::time_point now{std::chrono::hours(1000)};
  upstream_route::clock_fn fn() {
    return [this] { return now; };
  }
};

rate_limit_snapshot snapshot(std::map<std::string, std::string> headers) {
  return parse_rate_limits([&](std::string_view name) {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string() : it->second;
  });
}

struct captured {
  std::string text;
  logger log() {
    return logger(log_level::debug, [this](log_level, std::string_view line) {
      text += line;
      text += '\n';
    });
  }
};

}  // namespace

TEST_CASE("durations: Go's format, as Groq writes resets", "[routes][duration]") {
  CHECK(parse_go_duration("6s") == 6'000'000us);
  CHECK(parse_go_duration("1m30.5s") == 90'500'000us);
  CHECK(parse_go_duration("2.3ms") == 2'300us);
  CHECK(parse_go_duration("1h2m3s") == std::chrono::microseconds(3'723'000'000));
  CHECK(parse_go_duration("0s") == 0us);
  CHECK(parse_go_duration("0") == 0us);
  CHECK(parse_go_duration("500us") == 500us);
  CHECK(parse_go_duration("1.5\xC2\xB5s") == 2us);  // rounded up: a reset is never early
  CHECK(parse_go_duration("100ns") == 1us);
  CHECK(parse_go_duration(".5s") == 500'000us);
  CHECK(parse_go_duration("7.66s") == 7'660'000us);
  CHECK(parse_go_duration("2m59.56s") == 179'560'000us);
  for (const auto* bad : {"", "s", "5", "-1s", "+1s", "1x", "1m30", "1.2.3s", "25h", "1s ", " 1s", "1S",
                          "99999999999999999999999999999999s", "1s1"})
    CHECK_FALSE(parse_go_duration(bad));

  CHECK(go_duration_text(0ms) == "0s");
  CHECK(go_duration_text(-5ms) == "0s");
  CHECK(go_duration_text(850ms) == "850ms");
  CHECK(go_duration_text(6s) == "6s");
  CHECK(go_duration_text(90'500ms) == "1m30.5s");
  CHECK(go_duration_text(61'001ms) == "1m1.001s");
  CHECK(go_duration_text(2h) == "2h0m0s");
  // Found by the fuzzer: a sum whose double lands a hair above a whole microsecond read back as
  // one microsecond (then one millisecond) more.
  CHECK(parse_go_duration("2.32s22.32s67239s2.3232s232s") == 67'497'963'200us);
  CHECK(go_duration_text(67'497'964ms) == "18h44m57.964s");
  CHECK(parse_go_duration("18h44m57.964s") == 67'497'964'000us);
  for (std::int64_t ms = 0; ms < 86'400'000; ms += 86'399)
    CHECK(parse_go_duration(go_duration_text(std::chrono::milliseconds(ms))) == std::chrono::milliseconds(ms));
  for (std::int64_t ms = 0; ms < 200'000; ms += 997)
    CHECK(parse_go_duration(go_duration_text(std::chrono::milliseconds(ms))) == std::chrono::milliseconds(ms));
}

TEST_CASE("rate limits: the resets are parsed", "[routes][ratelimit]") {
  const auto s = snapshot({{"x-ratelimit-reset-requests", "1m30.5s"}, {"x-ratelimit-reset-tokens", "2.3ms"}});
  CHECK(s.reset_requests == "1m30.5s");
  CHECK(s.reset_requests_in == 90'500'000us);
  CHECK(s.reset_tokens_in == 2'300us);
  CHECK_FALSE(snapshot({{"x-ratelimit-reset-requests", "soon"}}).reset_requests_in);
}

TEST_CASE("routes: a spent budget blocks the route until its reset, then it counts from its limit", "[routes]") {
  fake_clock clock;
  captured lines;
  upstream_route r(1, "m", true, breaker_settings{}, clock.fn(), lines.log());
  CHECK(r.label() == "key #2 m");
  CHECK_FALSE(r.blocked_until());
  REQUIRE(r.take());
  r.observe(snapshot({{"x-ratelimit-limit-requests", "3"}, {"x-ratelimit-remaining-requests", "2"},
                      {"x-ratelimit-reset-requests", "10s"}}), 200, std::nullopt);
  CHECK(r.stats().remaining_requests == 2u);
  REQUIRE(r.take());
  REQUIRE(r.take());  // the last one: sent before any answer says so
  CHECK(r.stats().remaining_requests == 0u);
  CHECK(r.blocked_until() == clock.now + 10s);
  CHECK_FALSE(r.take());
  CHECK(lines.text.find("upstream route key #2 m exhausted: its budget resets in 10.000 s") != std::string::npos);
  // An older answer that says more is left changes nothing before the reset.
  r.observe(snapshot({{"x-ratelimit-limit-requests", "3"}, {"x-ratelimit-remaining-requests", "1"},
                      {"x-ratelimit-reset-requests", "9s"}}), 200, std::nullopt);
  CHECK(r.blocked_until());
  clock.now += 10s;
  CHECK_FALSE(r.blocked_until());
  CHECK(lines.text.find("upstream route key #2 m recovered") != std::string::npos);
  CHECK(r.stats().remaining_requests == 3u);  // the limit again
  CHECK(r.take());
  CHECK(r.stats().remaining_requests == 2u);
}

TEST_CASE("routes: tokens, a 429 with its limits, a 429 without", "[routes]") {
  fake_clock clock;
  upstream_route r(0, "m", true, breaker_settings{}, clock.fn(), logger());
  r.observe(snapshot({{"x-ratelimit-limit-tokens", "1000"}, {"x-ratelimit-remaining-tokens", "0"},
                      {"x-ratelimit-reset-tokens", "1m30.5s"}}), 200, std::nullopt);
  CHECK(r.blocked_until() == clock.now + 90'500ms);
  CHECK(r.stats().exhausted);
  clock.now += 91s;
  CHECK_FALSE(r.blocked_until());

  // A 429 without rate-limit headers is one request's bad luck (or a fault): the route stays open.
  r.observe(snapshot({}), 429, 30s);
  CHECK_FALSE(r.blocked_until());
  // With them, it is the budget: closed for the Retry-After.
  r.observe(snapshot({{"x-ratelimit-remaining-requests", "5"}}), 429, 7s);
  CHECK(r.blocked_until() == clock.now + 7s);
  clock.now += 7s;
  CHECK_FALSE(r.blocked_until());

  // Remaining 0 without a reset: tried again a second later, not never.
  r.observe(snapshot({{"x-ratelimit-remaining-requests", "0"}}), 200, std::nullopt);
  CHECK(r.blocked_until() == clock.now + 1s);

  // A catch-all route has no budget.
  upstream_route other(0, "(other)", false, breaker_settings{}, clock.fn(), logger());
  other.observe(snapshot({{"x-ratelimit-remaining-requests", "0"}, {"x-ratelimit-reset-requests", "9s"}}), 200,
                std::nullopt);
  CHECK_FALSE(other.blocked_until());
  CHECK(other.take());
}

TEST_CASE("routes: plans go key by key, then model by model, and a named model keeps to itself", "[routes]") {
  upstream_routes routes(2, {"a", "b"}, breaker_settings{}, logger());
  auto labels = [](std::span<upstream_route* const> plan) {
    std::vector<std::string> out;
    for (const auto* r : plan) out.push_back(r->label());
    return out;
  };
  const std::vector<std::string> all{"key #1 a", "key #2 a", "key #1 b", "key #2 b"};
  CHECK(labels(routes.plan("")) == all);
  CHECK(labels(routes.plan("a")) == all);
  CHECK(labels(routes.plan("b")) == std::vector<std::string>{"key #1 b", "key #2 b"});
  CHECK(labels(routes.plan("c")) == std::vector<std::string>{"key #1 c", "key #2 c"});
  CHECK(routes.plan("c").front() == routes.plan("c").front());  // made once
  for (int i = 0; i < 40; ++i) routes.plan("model-" + std::to_string(i));
  CHECK(labels(routes.plan("one-too-many")) == std::vector<std::string>{"key #1 (other)", "key #2 (other)"});
  CHECK(routes.stats().size() == 2 * (2 + 32));  // a, b and 32 named ones; the catch-all shows once used

  upstream_routes keyless(0, {"a"}, breaker_settings{}, logger());
  CHECK(labels(keyless.plan("")) == std::vector<std::string>{"key #1 a"});  // no key: one route, no header
}

TEST_CASE("routes: the breaker state of MODEL is the best of its routes", "[routes]") {
  fake_clock clock;
  upstream_routes routes(2, {"a"}, breaker_settings{1, 10s}, logger(), clock.fn());
  CHECK(routes.breaker_state() == circuit_breaker::state::closed);
  routes.plan("")[0]->breaker().record_failure();
  CHECK(routes.breaker_state() == circuit_breaker::state::closed);
  routes.plan("")[1]->breaker().record_failure();
  CHECK(routes.breaker_state() == circuit_breaker::state::open);
}

TEST_CASE("request model: a fallback gets the same body with its model", "[routes]") {
  const auto body = with_model(R"({"model":"a","messages":[{"role":"user","content":"ş"}],"stream":true})", "b/c");
  REQUIRE(body);
  const auto v = boost::json::parse(*body);
  CHECK(v.at("model") == "b/c");
  CHECK(v.at("stream") == true);
  CHECK(v.at("messages").at(0).at("content") == "ş");
  CHECK(boost::json::parse(*with_model(R"({"messages":[]})", "m")).at("model") == "m");
  CHECK_FALSE(with_model("[1]", "m"));
  CHECK_FALSE(with_model("{", "m"));
}

TEST_CASE("groq-sim limits: per key and per model windows with Groq's headers", "[routes][sim]") {
  sim::rate_windows w;
  const auto t0 = clock_type::time_point(std::chrono::hours(5));
  sim::sim_limit limit{2, 60s, 100, 10s};
  auto header = [](const sim::limit_verdict& v, std::string_view name) {
    for (const auto& [n, value] : v.headers)
      if (n == name) return value;
    return std::string("(none)");
  };
  auto v = w.admit("1", "m", limit, 30, t0);
  CHECK(v.allowed);
  CHECK(header(v, "x-ratelimit-limit-requests") == "2");
  CHECK(header(v, "x-ratelimit-remaining-requests") == "1");
  CHECK(header(v, "x-ratelimit-reset-requests") == "1m0s");
  CHECK(header(v, "x-ratelimit-remaining-tokens") == "70");
  CHECK(header(v, "x-ratelimit-reset-tokens") == "10s");
  v = w.admit("1", "m", limit, 30, t0 + 1500ms);
  CHECK(v.allowed);
  CHECK(header(v, "x-ratelimit-remaining-requests") == "0");
  CHECK(header(v, "x-ratelimit-reset-requests") == "58.5s");
  v = w.admit("1", "m", limit, 30, t0 + 2s);
  CHECK_FALSE(v.allowed);
  CHECK(v.retry_after == 58s);
  CHECK(w.admit("2", "m", limit, 30, t0 + 2s).allowed);  // another key
  CHECK(w.admit("1", "n", limit, 30, t0 + 2s).allowed);  // another model
  CHECK(w.admit("1", "m", limit, 30, t0 + 60s).allowed);  // a new window

  sim::sim_limit tokens{0, 60s, 50, 10s};
  CHECK(w.admit("t", "m", tokens, 80, t0).allowed);  // admitted with room left, charged in full
  v = w.admit("t", "m", tokens, 1, t0 + 1s);
  CHECK_FALSE(v.allowed);
  CHECK(v.retry_after == 9s);
  CHECK(header(v, "x-ratelimit-remaining-tokens") == "0");
  CHECK(header(v, "x-ratelimit-limit-requests") == "(none)");  // no requests limit: no header for it
  CHECK(w.admit("u", "m", sim::sim_limit{}, 1, t0).headers.empty());

  unsigned n = 0;
  std::chrono::milliseconds window{};
  CHECK((sim::parse_limit("30/min", n, window) && n == 30 && window == 60s));
  CHECK((sim::parse_limit("1000/day", n, window) && n == 1000 && window == 24h));
  CHECK((sim::parse_limit("5/10s", n, window) && n == 5 && window == 10s));
  CHECK((sim::parse_limit("5/s", n, window) && window == 1s));
  for (const auto* bad : {"", "30", "/min", "x/min", "30/", "30/week", "30/10ms", "-1/min"}) CHECK_FALSE(sim::parse_limit(bad, n, window));
}

TEST_CASE("config: several keys, fallback models, the queue", "[routes][config]") {
  auto load = [](std::map<std::string, std::string> vars) {
    return load_config([vars](std::string_view name) -> std::optional<std::string> {
      auto it = vars.find(std::string(name));
      if (it == vars.end()) return std::nullopt;
      return it->second;
    });
  };
  auto r = load({{"GROQ_API_KEYS", "gsk-a, gsk-b ,gsk-c"}, {"FALLBACK_MODELS", "x/y,z"}, {"QUEUE_TIMEOUT", "2.5"}});
  REQUIRE(r.config);
  CHECK(groq_keys(*r.config) == std::vector<std::string>{"gsk-a", "gsk-b", "gsk-c"});
  CHECK(route_models(*r.config) == std::vector<std::string>{"openai/gpt-oss-20b", "x/y", "z"});
  CHECK(r.config->queue_timeout == 2500ms);
  CHECK(r.config->cache_fallback_answers);

  r = load({{"GROQ_API_KEY", "gsk-one"}});
  REQUIRE(r.config);
  CHECK(groq_keys(*r.config) == std::vector<std::string>{"gsk-one"});
  CHECK(load({}).config->queue_timeout == 0ms);
  CHECK(groq_keys(*load({}).config).empty());
  CHECK(groq_keys(*load({{"GROQ_API_KEY", "gsk-one"}, {"GROQ_API_KEYS", ""}}).config) == std::vector<std::string>{"gsk-one"});

  const auto both = load({{"GROQ_API_KEY", "gsk-secret-one"}, {"GROQ_API_KEYS", "gsk-secret-two"}});
  CHECK_FALSE(both.config);
  CHECK(both.error.find("GROQ_API_KEYS") != std::string::npos);
  const auto empty_key = load({{"GROQ_API_KEYS", "gsk-secret-one,,gsk-secret-two"}});
  CHECK_FALSE(empty_key.config);
  CHECK(empty_key.error.find("gsk-secret") == std::string::npos);  // never echoed
  CHECK_FALSE(load({{"FALLBACK_MODELS", "a,"}}).config);
  CHECK_FALSE(load({{"QUEUE_TIMEOUT", "50"}}).config);  // past REQUEST_TIMEOUT (45)
  CHECK_FALSE(load({{"CACHE_FALLBACK_ANSWERS", "maybe"}}).config);
}

TEST_CASE("routes: concurrent requests never take more than the budget said was left", "[routes][threads]") {
  upstream_routes routes(2, {"a"}, breaker_settings{}, logger());
  auto* route = routes.plan("")[0];
  route->observe(snapshot({{"x-ratelimit-limit-requests", "1000"}, {"x-ratelimit-remaining-requests", "100"},
                           {"x-ratelimit-reset-requests", "1m"}}), 200, std::nullopt);
  std::atomic<int> taken{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        if (route->take()) ++taken;
        route->count_attempt();
        // Answers arrive meanwhile, from other threads, saying more is left: the lower count stands.
        route->observe(snapshot({{"x-ratelimit-remaining-requests", "100"}, {"x-ratelimit-reset-requests", "1m"}}),
                       200, std::nullopt);
        routes.plan("client-model-" + std::to_string((t + i) % 8));  // routes made for named models
        (void)routes.stats();
      }
    });
  for (auto& t : threads) t.join();
  CHECK(taken == 100);
  CHECK(route->stats().attempts == 400);
  CHECK(route->blocked_until());
}
