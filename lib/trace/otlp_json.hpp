// Spans as an OTLP/HTTP JSON request body (ExportTraceServiceRequest, the protobuf JSON mapping
// with OTLP's own rules: trace and span ids as hex strings, enums as integers, 64-bit integers as
// decimal strings), for POST /v1/traces with Content-Type application/json. Pure.
#pragma once

#include "trace/span.hpp"

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace gateway {

/// What every span of this process shares (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
struct trace_resource {
  std::vector<std::pair<std::string, std::string>> attributes;  // service.name first
  std::string scope_name = "chat-gateway";
};

std::string otlp_json(std::span<const span> spans, const trace_resource& resource);

}  // namespace gateway
