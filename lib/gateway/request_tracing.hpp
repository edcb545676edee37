// The router's side of OpenTelemetry tracing (OTEL_*): which requests are recorded (the sampler,
// on the client's trace or a new one), each recorded request's server span opened before it is
// routed and closed with its outcome after, and the exporter its spans go to. Off (no exporter, no
// span, nothing allocated per request) unless an OTLP endpoint is set.
// Threading: thread-safe after construction.
#pragma once

#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "http/access_log.hpp"
#include "http/inbound_request.hpp"
#include "metrics/metrics.hpp"
#include "telemetry/span_exporter.hpp"
#include "trace/request_spans.hpp"

#include <memory>
#include <string_view>

namespace gateway {

class request_tracing {
 public:
  /// Throws when an https collector's CA file cannot be read (a configuration error at start).
  request_tracing(const gateway_config& cfg, logger log);

  bool enabled() const { return exporter_ != nullptr; }
  /// The spans of a request about to be routed (its server span started), or null when its trace
  /// is not recorded. `route`: the matched route's path, empty when none matched.
  std::unique_ptr<request_spans> start(const inbound_request& req, std::string_view route) const;
  /// The request's outcome on its server span; every span to the exporter.
  void finish(request_spans& spans, const request_report& report, std::string_view request_id) const;
  trace_sources stats() const;

 private:
  sampler_settings sampler_;
  std::unique_ptr<span_exporter> exporter_;
};

}  // namespace gateway
