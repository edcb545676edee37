#include "gateway/request_tracing.hpp"

#include "http/trace_headers.hpp"

#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <random>

namespace gateway {
namespace {

// Random bits for a request's trace id and span ids, asked for every request while tracing is on
// (the sampler decides on the trace id): from a generator per io thread, seeded once from the
// system's random source - a draw of OpenSSL's per request cost more than a cache hit's whole
// answer. Ids must not collide; they are not secrets (the SDKs make them the same way).
std::array<unsigned char, 24> id_bits() {
  thread_local std::mt19937_64 generator = [] {
    std::array<std::uint32_t, 8> seed{};
    if (RAND_bytes(reinterpret_cast<unsigned char*>(seed.data()), sizeof seed) != 1) seed[0] = std::random_device{}();
    std::seed_seq sequence(seed.begin(), seed.end());
    return std::mt19937_64(sequence);
  }();
  std::array<unsigned char, 24> out;
  for (std::size_t i = 0; i < out.size(); i += 8) {
    const auto v = generator();
    std::memcpy(out.data() + i, &v, 8);
  }
  return out;
}

std::unique_ptr<span_exporter> make_exporter(const otel_settings& o, logger log) {
  if (!o.enabled()) return nullptr;
  std::string why;
  const auto url_text = o.traces_url();
  auto url = parse_base_url(url_text, why);
  if (!url) throw std::runtime_error("OTEL_EXPORTER_OTLP_ENDPOINT: " + why);
  span_export_settings s;
  s.collector = *url;
  // parse_base_url keeps the path as a prefix: here it is the whole target.
  s.target = url->path_prefix.empty() ? "/" : url->path_prefix;
  s.headers = o.headers;
  s.timeout = o.timeout;
  s.schedule_delay = o.schedule_delay;
  s.max_queue = o.max_queue;
  s.max_batch = o.max_batch;
  s.ca_file = o.ca_file;
  // OTEL_SERVICE_NAME wins over a service.name in OTEL_RESOURCE_ATTRIBUTES, as the SDKs do.
  std::string service = o.service_name;
  for (const auto& [k, v] : o.resource)
    if (k == "service.name" && service.empty()) service = v;
  s.resource.attributes.emplace_back("service.name", service.empty() ? "chat-gateway" : service);
  for (const auto& [k, v] : o.resource)
    if (k != "service.name") s.resource.attributes.emplace_back(k, v);
  log.info("traces: spans of recorded requests go to {}", url->host_header() + s.target);
  try {
    return std::make_unique<span_exporter>(std::move(s), std::move(log));
  } catch (const std::exception& e) {  // the CA file: say which variable named it
    throw std::runtime_error(std::string("OTEL_EXPORTER_OTLP_CERTIFICATE: ") + e.what());
  }
}

}  // namespace

request_tracing::request_tracing(const gateway_config& cfg, logger log)
    : sampler_(cfg.otel.sampler), exporter_(make_exporter(cfg.otel, std::move(log))) {}

std::unique_ptr<request_spans> request_tracing::start(const inbound_request& req, std::string_view route) const {
  if (!exporter_) return nullptr;
  const auto client = client_trace(req);
  // One draw of the random source: a new trace's id (when the client brought none) and the seed
  // of this request's span ids.
  const auto random = id_bits();
  trace_id_hex trace_id;
  if (client) {
    trace_id = client->trace_id;
  } else {
    trace_id = new_trace(std::span<const unsigned char, 24>(random)).trace_id;
  }
  if (!sample(sampler_, trace_id, client ? std::optional<bool>(client->sampled) : std::nullopt)) return nullptr;
  std::uint64_t seed = 0;
  std::memcpy(&seed, random.data() + 16, sizeof seed);
  // The HTTP conventions name a server span "{method} {route}", the method alone for no route: a
  // path a client chose never names a span, nor does a method it made up (any token Beast reads,
  // up to the header's size) - that one is "_OTHER", and the span "HTTP".
  const bool known = req.method() != boost::beast::http::verb::unknown;
  const std::string_view method = known ? req.method_string() : std::string_view("_OTHER");
  std::string name(known ? method : std::string_view("HTTP"));
  if (!route.empty()) name.append(" ").append(route);
  auto spans = std::make_unique<request_spans>(
      trace_id, client ? std::optional<span_id_hex>(client->parent_id) : std::nullopt, seed, std::move(name));
  spans->set(request_spans::server, "http.request.method", std::string(method));
  if (!route.empty()) spans->set(request_spans::server, "http.route", std::string(route));
  return spans;
}

void request_tracing::finish(request_spans& spans, const request_report& report, std::string_view request_id) const {
  const auto server = request_spans::server;
  if (report.status) spans.set(server, "http.response.status_code", static_cast<std::int64_t>(report.status));
  spans.set(server, "gateway.request_id", std::string(request_id));
  if (!report.cache.empty()) spans.set(server, "gateway.cache", std::string(report.cache));
  if (!report.cache_match.empty()) spans.set(server, "gateway.cache.match", std::string(report.cache_match));
  if (report.status >= 500 && !spans.failed(server)) spans.fail(server, std::to_string(report.status));
  exporter_->submit(spans.finish());
}

trace_sources request_tracing::stats() const {
  trace_sources t;
  if (!exporter_) return t;
  const auto c = exporter_->stats();
  t.configured = true;
  t.exported = c.exported;
  t.dropped = c.dropped;
  t.failed = c.failed;
  return t;
}

}  // namespace gateway
