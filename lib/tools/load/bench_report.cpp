#include "tools/load/bench_report.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

namespace gateway::bench {
namespace json = boost::json;
namespace {

struct quantile_row {
  const char* name;
  double q;
};
constexpr quantile_row quantiles[] = {{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p99.9", 0.999}};

double ms(std::uint64_t nanoseconds) { return static_cast<double>(nanoseconds) / 1e6; }

struct named_histogram {
  const char* name;
  const hdr_histogram* h;
};

std::vector<named_histogram> histograms(const bench_config& cfg, const run_result& r) {
  std::vector<named_histogram> out{{"ttfb", &r.ttfb}};
  if (cfg.stream) {
    out.push_back({"first_delta", &r.first_delta});
    out.push_back({"inter_delta", &r.gap});
  }
  out.push_back({"total", &r.total});
  return out;
}

std::string mode(const bench_config& cfg) {
  return cfg.rate > 0 ? fmt::format("open loop, {} req/s (at most {} connections)", cfg.rate, cfg.concurrency)
                      : fmt::format("closed loop, {} concurrent", cfg.concurrency);
}

}  // namespace

std::string report_table(const bench_config& cfg, const run_result& r) {
  std::string out = fmt::format("{}\n  {} {}, {}, {} thread(s), warm-up {} ms\n", cfg.label,
                                cfg.api == api_kind::chat ? "chat" : "openai", cfg.stream ? "stream" : "json", mode(cfg),
                                cfg.threads, cfg.warmup.count());
  out += fmt::format("  {:<12} {:>10} {:>10} {:>10} {:>10} {:>10} {:>10}   (ms)\n", "", "p50", "p90", "p99", "p99.9",
                     "max", "mean");
  for (const auto& [name, h] : histograms(cfg, r)) {
    out += fmt::format("  {:<12}", name);
    for (const auto& q : quantiles) out += fmt::format(" {:>10.3f}", ms(h->quantile(q.q)));
    out += fmt::format(" {:>10.3f} {:>10.3f}\n", ms(h->max()), h->mean() / 1e6);
  }
  out += fmt::format("  throughput {:.1f} req/s; {} measured, {} complete, {} failed; {} connections; {:.1f} MB", r.throughput(),
                     r.measured, r.ok, r.measured - r.ok, r.connections, static_cast<double>(r.bytes) / 1e6);
  if (cfg.stream) out += fmt::format("; {} deltas", r.deltas);
  if (r.retried_stale) out += fmt::format("; {} sent again (idle connection closed by the server)", r.retried_stale);
  out += '\n';
  for (const auto& [kind, n] : r.errors) out += fmt::format("  error {:>8} x {}\n", n, kind);
  return out;
}

std::string report_json(const bench_config& cfg, const run_result& r) {
  json::object latency;
  for (const auto& [name, h] : histograms(cfg, r)) {
    json::object row;
    for (const auto& q : quantiles) row[q.name] = ms(h->quantile(q.q));
    row["max"] = ms(h->max());
    row["mean"] = h->mean() / 1e6;
    row["count"] = h->count();
    latency[name] = std::move(row);
  }
  json::object errors;
  for (const auto& [kind, n] : r.errors) errors[kind] = n;
  json::object settings{{"url", fmt::format("{}://{}:{}{}", cfg.target.tls ? "https" : "http", cfg.target.host,
                                            cfg.target.port, cfg.target.path)},
                        {"api", cfg.api == api_kind::chat ? "chat" : "openai"},
                        {"stream", cfg.stream},
                        {"rate", cfg.rate},
                        {"concurrency", cfg.concurrency},
                        {"duration_s", static_cast<double>(cfg.duration.count()) / 1000.0},
                        {"warmup_s", static_cast<double>(cfg.warmup.count()) / 1000.0},
                        {"requests", cfg.requests},
                        {"repeat", cfg.repeat},
                        {"threads", cfg.threads}};
  json::object requests{{"measured", r.measured}, {"ok", r.ok},           {"failed", r.measured - r.ok},
                        {"sent", r.sent},         {"bytes", r.bytes},     {"deltas", r.deltas},
                        {"connections", r.connections}, {"retried_stale", r.retried_stale},
                        {"throughput_rps", r.throughput()},
                        {"window_s", std::chrono::duration<double>(r.window).count()}};
  return json::serialize(json::object{{"label", cfg.label},
                                      {"settings", std::move(settings)},
                                      {"requests", std::move(requests)},
                                      {"latency_ms", std::move(latency)},
                                      {"errors", std::move(errors)}});
}

}  // namespace gateway::bench
