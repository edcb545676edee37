// Which requests' spans are recorded: OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, as the
// OpenTelemetry SDKs read them (always_on, always_off, traceidratio and their parentbased_ forms;
// parentbased_always_on by default). Pure.
#pragma once

#include "trace/span.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

struct sampler_settings {
  enum class root_kind { always_on, always_off, ratio };
  root_kind root = root_kind::always_on;
  double ratio = 1.0;        // traceidratio's share, 0 to 1
  bool parent_based = true;  // a client's sampled flag decides when it sent a traceparent
  bool operator==(const sampler_settings&) const = default;
};

/// Reads OTEL_TRACES_SAMPLER's value and OTEL_TRACES_SAMPLER_ARG's ("" when unset); the error
/// text for an unknown sampler or a ratio outside 0..1.
std::string parse_sampler(std::string_view name, std::string_view arg, sampler_settings& out);

/// Whether a trace is recorded. `parent_sampled`: the client's sampled flag, when its traceparent
/// was valid. The ratio is decided by the trace id's last 16 hex digits, so that every instance
/// (and every service using the same rule) decides alike for one trace.
bool sample(const sampler_settings& s, const trace_id_hex& trace_id, std::optional<bool> parent_sampled);

}  // namespace gateway
