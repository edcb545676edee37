#include "metrics/metrics.hpp"

#include <fmt/format.h>

#include <map>

namespace gateway {

void gateway_metrics::redis_command(redis::redis_errc outcome, std::chrono::microseconds latency) {
  redis_commands_[static_cast<unsigned>(outcome)].fetch_add(1, std::memory_order_relaxed);
  redis_latency_.observe(latency);
}
namespace {

constexpr std::array<std::string_view, static_cast<unsigned>(attempt_outcome::count_)> outcome_names{
    "ok", "rate_limited", "client_error", "server_error", "transport", "timeout"};

void header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}
template <class T>
void sample(std::string& out, std::string_view name, T value, std::string_view labels = {}) {
  if (labels.empty())
    fmt::format_to(std::back_inserter(out), "{} {}\n", name, value);
  else
    fmt::format_to(std::back_inserter(out), "{}{{{}}} {}\n", name, labels, value);
}
template <class T>
void gauge(std::string& out, std::string_view name, std::string_view help, T value, std::string_view type = "gauge") {
  header(out, name, type, help);
  sample(out, name, value);
}

// A label value as the text format wants it: backslash, quote and newline escaped (a model name
// may come from a client).
std::string label_value(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void render_routes(std::string& out, const std::vector<route_stats>& all_routes, std::uint64_t spent_refusals) {
  gauge(out, "gateway_upstream_spent_refusals_total",
        "Requests answered 429 without an upstream call: every route they could take was at its rate limit.",
        spent_refusals, "counter");
  if (all_routes.empty()) return;
  // Only MODEL and FALLBACK_MODELS have a label of their own: the models clients name are their
  // choice, and a label per name let any client grow /metrics at will (issue 35: forty requests,
  // 4.4 MB). Theirs are counted together per key as model="(other)", counters only (a budget or
  // breaker of several routes has no one value).
  std::vector<route_stats> routes;
  std::map<std::size_t, route_stats> others;  // by key
  for (const auto& r : all_routes) {
    if (r.configured) {
      routes.push_back(r);
      continue;
    }
    auto& o = others[r.key];
    o.key = r.key;
    o.model = "(other)";
    o.configured = false;
    o.attempts += r.attempts;
    o.rate_limited += r.rate_limited;
    o.fallbacks += r.fallbacks;
  }
  for (auto& [key, o] : others) routes.push_back(std::move(o));
  std::vector<std::string> labels;
  for (const auto& r : routes) labels.push_back(fmt::format("key=\"{}\",model=\"{}\"", r.key, label_value(r.model)));
  auto each = [&](std::string_view name, std::string_view type, std::string_view help, auto value) {
    header(out, name, type, help);
    for (std::size_t i = 0; i < routes.size(); ++i)
      if (auto v = value(routes[i])) sample(out, name, *v, labels[i]);
  };
  using u64 = std::optional<std::uint64_t>;
  // The per-route gauges: configured routes only.
  auto gauge_of = [](auto get) { return [get](const route_stats& r) -> u64 { return r.configured ? get(r) : u64{}; }; };
  each("gateway_upstream_route_attempts_total", "counter", "Upstream attempts by route (key by position in GROQ_API_KEYS).",
       [](const route_stats& r) -> u64 { return r.attempts; });
  each("gateway_upstream_route_rate_limited_total", "counter", "Upstream 429 answers by route.",
       [](const route_stats& r) -> u64 { return r.rate_limited; });
  each("gateway_upstream_route_fallbacks_total", "counter",
       "Attempts that moved from this route to the next one (a 429, failures after retries, a refused key).",
       [](const route_stats& r) -> u64 { return r.fallbacks; });
  each("gateway_upstream_route_remaining_requests", "gauge", "Requests left in the route's window, as the gateway counts them.",
       gauge_of([](const route_stats& r) { return r.remaining_requests; }));
  each("gateway_upstream_route_remaining_tokens", "gauge", "Tokens left in the route's window, last seen.",
       gauge_of([](const route_stats& r) { return r.remaining_tokens; }));
  each("gateway_upstream_route_exhausted", "gauge", "1 while the route's budget is spent until its reset.",
       gauge_of([](const route_stats& r) -> u64 { return r.exhausted ? 1 : 0; }));
  each("gateway_upstream_route_breaker_state", "gauge", "The route's circuit breaker: 0 closed, 1 open, 2 half-open.",
       gauge_of([](const route_stats& r) -> u64 { return static_cast<std::uint64_t>(r.breaker); }));
}

}  // namespace

std::string_view outcome_name(attempt_outcome o) { return outcome_names[static_cast<unsigned>(o)]; }

latency_histogram::latency_histogram()
    : latency_histogram({0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}) {}

latency_histogram::latency_histogram(std::vector<double> upper_bounds_seconds)
    : bounds_(std::move(upper_bounds_seconds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void latency_histogram::observe(std::chrono::microseconds d) {
  const double seconds = static_cast<double>(d.count()) / 1e6;
  std::size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(static_cast<std::uint64_t>(std::max<std::int64_t>(d.count(), 0)), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void latency_histogram::render(std::string& out, std::string_view name, std::string_view labels) const {
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += buckets_[i].load(std::memory_order_relaxed);
    const auto le = i < bounds_.size() ? fmt::format("{}", bounds_[i]) : std::string("+Inf");
    fmt::format_to(std::back_inserter(out), "{}_bucket{{{}le=\"{}\"}} {}\n", name, labels, le, cumulative);
  }
  const std::string trimmed(labels.empty() ? std::string_view{} : labels.substr(0, labels.size() - 1));
  sample(out, fmt::format("{}_sum", name), static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6, trimmed);
  sample(out, fmt::format("{}_count", name), count_.load(std::memory_order_relaxed), trimmed);
}

gateway_metrics::gateway_metrics(std::vector<route_label> routes) : routes_(std::move(routes)) {
  routes_.push_back({"other", true});
  requests_.reset(new std::atomic<std::uint64_t>[routes_.size() * statuses]);
  for (std::size_t i = 0; i < routes_.size() * statuses; ++i) requests_[i] = 0;
  for (std::size_t i = 0; i < routes_.size(); ++i) durations_.push_back(std::make_unique<latency_histogram>());
}

gateway_metrics::~gateway_metrics() = default;

void gateway_metrics::request_finished(std::size_t route, unsigned status, std::chrono::microseconds duration) {
  if (status == 0) status = 499;  // nginx's code for "client closed the request"
  if (status >= statuses) status = 599;
  route = std::min(route, routes_.size() - 1);
  requests_[route * statuses + status].fetch_add(1, std::memory_order_relaxed);
  in_flight_.fetch_sub(1, std::memory_order_relaxed);
  durations_[route]->observe(duration);
}

std::string gateway_metrics::render(const sources& s) const {
  std::string out;
  out.reserve(16 * 1024);

  header(out, "gateway_requests_total", "counter", "Requests answered, by route and HTTP status (499: client gone).");
  for (std::size_t r = 0; r < routes_.size(); ++r)
    for (unsigned st = 100; st < statuses; ++st)
      if (const auto n = requests_[r * statuses + st].load(std::memory_order_relaxed))
        sample(out, "gateway_requests_total", n, fmt::format("route=\"{}\",status=\"{}\"", routes_[r].name, st));
  gauge(out, "gateway_requests_in_flight", "Requests being served (not counting the one reading this).",
        in_flight_.load(std::memory_order_relaxed) - s.in_flight_excluded);
  gauge(out, "gateway_open_streams", "SSE responses in progress.", open_streams_.load(std::memory_order_relaxed));
  header(out, "gateway_request_duration_seconds", "histogram", "Time from a request's arrival to its last byte.");
  for (std::size_t r = 0; r < routes_.size(); ++r)
    if (routes_[r].timed)
      durations_[r]->render(out, "gateway_request_duration_seconds", fmt::format("route=\"{}\",", routes_[r].name));

  header(out, "gateway_upstream_attempts_total", "counter", "Upstream attempts by outcome.");
  for (unsigned o = 0; o < outcome_names.size(); ++o)
    sample(out, "gateway_upstream_attempts_total", attempts_[o].load(std::memory_order_relaxed),
           fmt::format("outcome=\"{}\"", outcome_names[o]));
  gauge(out, "gateway_upstream_retries_total", "Upstream attempts that were retries.",
        retries_.load(std::memory_order_relaxed), "counter");
  header(out, "gateway_upstream_first_byte_seconds", "histogram",
         "Time from the start of an upstream call (retries included) to the upstream's response head.");
  upstream_ttfb_.render(out, "gateway_upstream_first_byte_seconds");
  header(out, "gateway_added_latency_seconds", "histogram",
         "The gateway's own time in requests that went upstream: before the call plus after the last upstream byte.");
  added_.render(out, "gateway_added_latency_seconds");
  gauge(out, "gateway_breaker_state", "Circuit breaker: 0 closed, 1 open, 2 half-open (probing).",
        static_cast<int>(s.breaker));

  header(out, "gateway_pii_values_total", "counter",
         "Personal data values in requests replaced by placeholders before the cache and the "
         "upstream saw them, by kind (PII_PROTECTION).");
  for (std::size_t k = 0; k < pii_kind_count; ++k)
    sample(out, "gateway_pii_values_total", pii_values_[k].load(std::memory_order_relaxed),
           fmt::format("kind=\"{}\"", pii_kind_names[k]));

  gauge(out, "gateway_pool_idle_connections", "Idle upstream connections kept for reuse.", s.pool.idle);
  gauge(out, "gateway_pool_connections_in_use", "Upstream connections held by requests.", s.pool.in_use);
  gauge(out, "gateway_pool_connections_created_total", "Upstream connections opened.", s.pool.created, "counter");
  gauge(out, "gateway_pool_connections_reused_total", "Requests sent on a pooled connection.", s.pool.reused, "counter");
  gauge(out, "gateway_pool_stale_discarded_total", "Pooled connections found dead and replaced.",
        s.pool.discarded_stale, "counter");
  gauge(out, "gateway_pool_tls_resumed_total", "Upstream connections opened with a resumed TLS session.",
        s.pool.tls_resumed, "counter");

  if (s.cache) {
    gauge(out, "gateway_cache_hits_total", "Response cache hits.", s.cache->hits, "counter");
    header(out, "gateway_cache_hits_by_match_total", "counter",
           "Cache hits answered, by match: the same words (exact) or a question asked in other words (similar).");
    sample(out, "gateway_cache_hits_by_match_total", exact_hits_.load(std::memory_order_relaxed), "match=\"exact\"");
    sample(out, "gateway_cache_hits_by_match_total", similar_hits_.load(std::memory_order_relaxed), "match=\"similar\"");
    gauge(out, "gateway_cache_misses_total", "Response cache misses.", s.cache->misses, "counter");
    gauge(out, "gateway_cache_stores_total", "Answers stored.", s.cache->stores, "counter");
    gauge(out, "gateway_cache_evictions_total", "Entries evicted to stay in bounds.", s.cache->evictions, "counter");
    gauge(out, "gateway_cache_expirations_total", "Entries dropped after CACHE_TTL.", s.cache->expirations, "counter");
    gauge(out, "gateway_cache_entries", "Entries in the cache.", s.cache->entries);
    gauge(out, "gateway_cache_bytes", "Bytes charged to the cache.", s.cache->bytes);
  }
  if (s.shared.configured) {
    gauge(out, "gateway_redis_up", "1 while the connection to REDIS_URL is usable.", s.shared.up ? 1 : 0);
    header(out, "gateway_redis_commands_total", "counter",
           "Redis commands by outcome: ok (a reply came), timeout (none within REDIS_TIMEOUT), down (no usable connection), busy, protocol.");
    for (const auto e : {redis::redis_errc::ok, redis::redis_errc::timeout, redis::redis_errc::down,
                         redis::redis_errc::busy, redis::redis_errc::protocol})
      sample(out, "gateway_redis_commands_total", redis_commands_[static_cast<unsigned>(e)].load(std::memory_order_relaxed),
             fmt::format("outcome=\"{}\"", redis::to_string(e)));
    header(out, "gateway_redis_command_seconds", "histogram", "Redis command latency, answered or not.");
    redis_latency_.render(out, "gateway_redis_command_seconds");
    gauge(out, "gateway_redis_disconnects_total", "Connections to Redis lost or given up as frozen.",
          redis_disconnects_.load(std::memory_order_relaxed), "counter");
    gauge(out, "gateway_shared_leaders_total", "Upstream calls this instance made and published for every instance.",
          s.shared.flights_led, "counter");
    gauge(out, "gateway_shared_followers_total",
          "Questions this instance answered from another instance's upstream call (Redis Stream).",
          s.shared.flights_followed, "counter");
    gauge(out, "gateway_shared_leaders_lost_total", "Followed instances that died before their answer was complete.",
          s.shared.leaders_lost, "counter");
    gauge(out, "gateway_shared_stream_gaps_total",
          "Followed streams that missed a piece lost on its way through Redis: failed, never stored.",
          s.shared.stream_gaps, "counter");
    if (s.cache) {
      gauge(out, "gateway_shared_cache_hits_total", "Local misses answered from the shared tier.", s.cache->shared_hits, "counter");
      gauge(out, "gateway_shared_cache_misses_total", "Local misses the shared tier did not have either.",
            s.cache->shared_misses, "counter");
      gauge(out, "gateway_shared_cache_failures_total",
            "Shared-tier lookups that failed (down, timed out, unreadable): served as misses.", s.cache->shared_failures,
            "counter");
    }
  }
  if (s.connections.configured) {
    const auto& c = s.connections;
    gauge(out, "gateway_connections_open", "Client connections open now.", c.open);
    gauge(out, "gateway_connections_max", "MAX_CONNECTIONS: client connections allowed open at once.", c.max);
    header(out, "gateway_connections_refused_total", "counter",
           "Client connections closed at accept with a 503, by the cap they met: MAX_CONNECTIONS (max_connections), MAX_CONNECTIONS_PER_CLIENT (per_client) or CONNECTION_RATE_PER_CLIENT (rate).");
    sample(out, "gateway_connections_refused_total", c.refused_max, "reason=\"max_connections\"");
    sample(out, "gateway_connections_refused_total", c.refused_per_client, "reason=\"per_client\"");
    sample(out, "gateway_connections_refused_total", c.refused_rate, "reason=\"rate\"");
    gauge(out, "gateway_inflight_request_bytes", "Request body bytes held in memory now (bodies' buffers, charged as they grow).",
          c.inflight_body_bytes);
    gauge(out, "gateway_inflight_request_bytes_max", "MAX_INFLIGHT_REQUEST_BYTES (0: no budget).", c.inflight_body_budget);
    gauge(out, "gateway_inflight_request_bytes_refused_total",
          "Requests answered 503 because their next body bytes would have passed MAX_INFLIGHT_REQUEST_BYTES.", c.bodies_refused,
          "counter");
  }
  if (s.shared.limits) {
    header(out, "gateway_rate_limited_total", "counter", "Requests refused by RATE_LIMIT_RPM / RATE_LIMIT_TPM, by reason.");
    sample(out, "gateway_rate_limited_total", s.shared.limited_requests, "reason=\"requests\"");
    sample(out, "gateway_rate_limited_total", s.shared.limited_tokens, "reason=\"tokens\"");
    header(out, "gateway_rate_limit_checks_total", "counter",
           "Rate-limit checks by who decided: Redis for every instance (shared), or this instance alone (local: no Redis, or no reply within REDIS_TIMEOUT).");
    sample(out, "gateway_rate_limit_checks_total", s.shared.limit_checks_shared, "decided=\"shared\"");
    sample(out, "gateway_rate_limit_checks_total", s.shared.limit_checks_local, "decided=\"local\"");
  }
  gauge(out, "gateway_coalesced_requests_total", "Requests that shared another request's upstream call.",
        s.flights.coalesced, "counter");
  gauge(out, "gateway_coalescing_leaders_total", "Upstream calls made on behalf of a coalescing group.", s.flights.led,
        "counter");
  gauge(out, "gateway_coalescing_in_flight", "Questions being answered for a coalescing group right now.",
        s.flights.in_flight);

  if (s.config.generation) {
    gauge(out, "gateway_config_generation",
          "The configuration generation new requests get: 1 at start, one more for each reload "
          "(SIGHUP) that changed a live setting.",
          s.config.generation);
    header(out, "gateway_config_reloads_total", "counter",
           "Reloads by outcome: applied (a live setting changed), unchanged (none did, or no "
           "CONFIG_FILE), refused (invalid: the running configuration stays).");
    sample(out, "gateway_config_reloads_total", s.config.reloads_applied, "outcome=\"applied\"");
    sample(out, "gateway_config_reloads_total", s.config.reloads_unchanged,
           "outcome=\"unchanged\"");
    sample(out, "gateway_config_reloads_total", s.config.reloads_refused, "outcome=\"refused\"");
  }
  if (s.traces.configured) {
    header(out, "gateway_trace_spans_total", "counter",
           "Spans of recorded requests by outcome: exported (the collector took them), dropped (the "
           "export queue was full, OTEL_BSP_MAX_QUEUE_SIZE), failed (their export failed).");
    sample(out, "gateway_trace_spans_total", s.traces.exported, "outcome=\"exported\"");
    sample(out, "gateway_trace_spans_total", s.traces.dropped, "outcome=\"dropped\"");
    sample(out, "gateway_trace_spans_total", s.traces.failed, "outcome=\"failed\"");
  }
  render_routes(out, s.routes, s.spent_refusals);
  const auto& rl = s.rate_limits;
  if (rl.remaining_requests)
    gauge(out, "gateway_upstream_ratelimit_remaining_requests", "Groq x-ratelimit-remaining-requests, last seen.",
          *rl.remaining_requests);
  if (rl.remaining_tokens)
    gauge(out, "gateway_upstream_ratelimit_remaining_tokens", "Groq x-ratelimit-remaining-tokens, last seen.",
          *rl.remaining_tokens);
  return out;
}

}  // namespace gateway
