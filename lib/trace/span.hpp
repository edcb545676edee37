// One finished span as the gateway records it and the OTLP encoder writes it: ids as lowercase hex
// (the form traceparent and OTLP/JSON use), times as nanoseconds since the Unix epoch, attributes
// events and links by the OpenTelemetry data model. Plain data: no clock, no I/O.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace gateway {

using trace_id_hex = std::array<char, 32>;
using span_id_hex = std::array<char, 16>;

/// An attribute's value: the OTLP AnyValue kinds the gateway uses.
using attribute_value = std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;

// Keys and event names are the conventions' names, written in the code: views of literals, so that
// recording an attribute allocates nothing for its key.
struct span_attribute {
  std::string_view key;
  attribute_value value;
};

struct span_event {
  std::string_view name;
  std::uint64_t time_ns = 0;
  std::vector<span_attribute> attributes;
};

// A span of another trace this one is causally tied to: a coalesced follower's wait names the
// request whose upstream call it waited on (that request's server span), on this instance or another.
struct span_link {
  trace_id_hex trace_id{};
  span_id_hex span_id{};
};

enum class span_kind : int { internal = 1, server = 2, client = 3 };
enum class span_status : int { unset = 0, ok = 1, error = 2 };

struct span {
  trace_id_hex trace_id{};
  span_id_hex span_id{};
  span_id_hex parent_span_id{};  // all '\0': a root span
  std::string name;
  span_kind kind = span_kind::internal;
  std::uint64_t start_ns = 0, end_ns = 0;
  std::vector<span_attribute> attributes;
  std::vector<span_event> events;
  std::vector<span_link> links;
  span_status status = span_status::unset;
  std::string status_message;  // with error only

  bool has_parent() const { return parent_span_id[0] != '\0'; }
};

}  // namespace gateway
