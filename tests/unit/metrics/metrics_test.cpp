#include "metrics/metrics.hpp"

#include <catch2/catch.hpp>

using namespace gateway;
using namespace std::chrono_literals;

namespace {
bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos || text.rfind(line + "\n", 0) == 0;
}
}  // namespace

TEST_CASE("metrics: histogram buckets are cumulative, with sum and count", "[metrics]") {
  latency_histogram h({0.001, 0.01});
  h.observe(500us);
  h.observe(5ms);
  h.observe(2s);
  std::string out;
  h.render(out, "x_seconds", "route=\"/chat\",");
  CHECK(has_line(out, R"(x_seconds_bucket{route="/chat",le="0.001"} 1)"));
  CHECK(has_line(out, R"(x_seconds_bucket{route="/chat",le="0.01"} 2)"));
  CHECK(has_line(out, R"(x_seconds_bucket{route="/chat",le="+Inf"} 3)"));
  CHECK(has_line(out, R"(x_seconds_sum{route="/chat"} 2.0055)"));
  CHECK(has_line(out, R"(x_seconds_count{route="/chat"} 3)"));
}

TEST_CASE("metrics: requests by route and status, gauges, and the other components' numbers", "[metrics]") {
  gateway_metrics m({{"/chat", true}});
  m.request_started();
  m.request_started();
  m.request_finished(0, 200, 1ms);
  m.stream_opened();
  m.attempt(attempt_outcome::ok);
  m.attempt(attempt_outcome::rate_limited);
  m.retry();
  gateway_metrics::sources s;
  s.cache = cache_stats{3, 1, 1, 0, 0, 1, 200};
  s.flights = flight_stats{2, 49, 0};
  s.breaker = circuit_breaker::state::open;
  s.rate_limits.remaining_tokens = 1234;
  const auto text = m.render(s);
  CHECK(has_line(text, R"(gateway_requests_total{route="/chat",status="200"} 1)"));
  CHECK(has_line(text, "gateway_requests_in_flight 1"));
  CHECK(has_line(text, "gateway_open_streams 1"));
  CHECK(has_line(text, R"(gateway_upstream_attempts_total{outcome="ok"} 1)"));
  CHECK(has_line(text, R"(gateway_upstream_attempts_total{outcome="rate_limited"} 1)"));
  CHECK(has_line(text, "gateway_upstream_retries_total 1"));
  CHECK(has_line(text, "gateway_breaker_state 1"));
  CHECK(has_line(text, "gateway_cache_hits_total 3"));
  CHECK(has_line(text, "gateway_cache_bytes 200"));
  CHECK(has_line(text, "gateway_coalesced_requests_total 49"));
  CHECK(has_line(text, "gateway_upstream_ratelimit_remaining_tokens 1234"));
  CHECK(text.find("# TYPE gateway_request_duration_seconds histogram") != std::string::npos);
  CHECK(text.find("gateway_upstream_ratelimit_remaining_requests") == std::string::npos);  // never seen: absent
  // A client that left before any response is counted as 499.
  m.request_finished(0, 0, 1ms);
  CHECK(has_line(m.render(s), R"(gateway_requests_total{route="/chat",status="499"} 1)"));
}

// Issue 35: every model a client named had its own label in seven families: forty requests naming
// 20,000-byte models made /metrics 4.4 MB. Only configured models are labelled; the rest fold
// into model="(other)" per key, whatever their number and length.
TEST_CASE("metrics: the models clients name share one label per key", "[metrics]") {
  gateway_metrics m({{"/chat", true}});
  gateway_metrics::sources s;
  route_stats configured;
  configured.key = 1;
  configured.model = "openai/gpt-oss-20b";
  configured.attempts = 5;
  configured.remaining_requests = 7;
  s.routes.push_back(configured);
  const auto base = m.render(s).size();
  for (int i = 0; i < 40; ++i) {
    route_stats named;
    named.key = 1 + i % 2;
    named.model = std::string(256, static_cast<char>('a' + i % 26)) + std::to_string(i);
    named.attempts = 1;
    named.rate_limited = i % 2;
    named.remaining_requests = 3;
    named.configured = false;
    s.routes.push_back(named);
  }
  const auto text = m.render(s);
  CHECK(has_line(text, R"(gateway_upstream_route_attempts_total{key="1",model="openai/gpt-oss-20b"} 5)"));
  CHECK(has_line(text, R"(gateway_upstream_route_remaining_requests{key="1",model="openai/gpt-oss-20b"} 7)"));
  CHECK(has_line(text, R"m(gateway_upstream_route_attempts_total{key="1",model="(other)"} 20)m"));
  CHECK(has_line(text, R"m(gateway_upstream_route_attempts_total{key="2",model="(other)"} 20)m"));
  CHECK(has_line(text, R"m(gateway_upstream_route_rate_limited_total{key="2",model="(other)"} 20)m"));
  CHECK(text.find(R"m(gateway_upstream_route_remaining_requests{key="1",model="(other)"})m") == std::string::npos);
  CHECK(text.find("aaaa") == std::string::npos);  // no client's name
  CHECK(text.size() < base + 1024);                // two keys' lines, not forty names'
}
