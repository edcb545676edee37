// OpenTelemetry trace export, from the standard OTEL_* variables (the subset the gateway reads is
// listed in README.md and docs/operations.md, "Tracing"). Plain data; read by gateway_config.cpp,
// used by lib/telemetry (the exporter) and the router (sampling). Off unless an endpoint is set.
#pragma once

#include "trace/sampler.hpp"

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gateway {

struct otel_settings {
  bool sdk_disabled = false;     // OTEL_SDK_DISABLED
  bool exporter_none = false;    // OTEL_TRACES_EXPORTER=none
  std::string endpoint;          // OTEL_EXPORTER_OTLP_ENDPOINT: /v1/traces is appended
  std::string traces_endpoint;   // OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: used as it is
  std::vector<std::pair<std::string, std::string>> headers;  // OTEL_EXPORTER_OTLP_(TRACES_)HEADERS
  std::chrono::milliseconds timeout{10'000};                 // OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT
  std::string ca_file;           // OTEL_EXPORTER_OTLP_(TRACES_)CERTIFICATE
  std::string service_name;  // OTEL_SERVICE_NAME; unset: OTEL_RESOURCE_ATTRIBUTES' service.name, else chat-gateway
  std::vector<std::pair<std::string, std::string>> resource;      // OTEL_RESOURCE_ATTRIBUTES
  std::string sampler_name, sampler_arg;                          // OTEL_TRACES_SAMPLER(_ARG)
  sampler_settings sampler;                                       // read from the two above
  std::chrono::milliseconds schedule_delay{5'000};                // OTEL_BSP_SCHEDULE_DELAY
  std::size_t max_queue = 2048;                                   // OTEL_BSP_MAX_QUEUE_SIZE
  std::size_t max_batch = 512;                                    // OTEL_BSP_MAX_EXPORT_BATCH_SIZE

  bool operator==(const otel_settings&) const = default;
  bool enabled() const { return !sdk_disabled && !exporter_none && !(endpoint.empty() && traces_endpoint.empty()); }
  /// Where spans are posted.
  std::string traces_url() const;
};

/// "key=value,key2=value2" (OTEL_EXPORTER_OTLP_HEADERS, OTEL_RESOURCE_ATTRIBUTES): values
/// percent-decoded, both sides trimmed; nullopt for a pair without '=', an empty key, or a control
/// character anywhere (a header line must not be split).
std::optional<std::vector<std::pair<std::string, std::string>>> parse_otel_pairs(std::string_view text);

}  // namespace gateway
