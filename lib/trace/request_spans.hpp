// The spans of one recorded request: a server span for the request and child spans for what takes
// time in it, each started and ended where that happens on the request path. Span ids come from a
// generator seeded once per request (one draw of the system's random source, not one per span).
// At most max_spans per request (retries and fallbacks add one span each): past it start() returns
// `none`, and every call with `none` does nothing, so a request cannot grow it without bound.
// Threading: strand-only (the request's).
#pragma once

#include "trace/span.hpp"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

class request_spans {
 public:
  using ref = std::uint16_t;
  static constexpr ref server = 0;
  static constexpr ref none = 0xffff;
  static constexpr std::size_t max_spans = 64;
  static constexpr std::size_t max_links = 4;  // per span

  /// Starts the server span `name` of trace `trace_id`, under `remote_parent` (the client's span,
  /// when it sent a traceparent).
  request_spans(const trace_id_hex& trace_id, std::optional<span_id_hex> remote_parent, std::uint64_t seed,
                std::string name);

  ref start(std::string name, span_kind kind = span_kind::internal, ref parent = server);
  void end(ref s);
  /// `key` and `name`: literals (see span_attribute).
  void set(ref s, std::string_view key, attribute_value value);
  void event(ref s, std::string_view name, std::vector<span_attribute> attributes = {});
  /// An event that happened at `time_ns` (Unix nanoseconds), recorded after it.
  void event_at(ref s, std::string_view name, std::uint64_t time_ns, std::vector<span_attribute> attributes = {});
  /// `s` is tied to the span `to` names (another request's, in its own trace); at most max_links.
  void link(ref s, const span_link& to);
  /// The same, the span named by `context` in traceparent's form (another request's context());
  /// nothing when it is not one (parse_traceparent).
  void link(ref s, std::string_view context);
  /// Span `s`'s context in traceparent's form ("00-<trace>-<span>-01"): what another request's
  /// link to it is made from (parse_traceparent reads it back).
  std::string context(ref s) const;
  /// The span ends in error: `type` becomes its error.type attribute, `message` its status'.
  void fail(ref s, std::string_view type, std::string message = {});

  bool failed(ref s) const { return s != none && spans_[s].status == span_status::error; }
  const trace_id_hex& trace_id() const { return spans_.front().trace_id; }
  const span_id_hex& id(ref s) const { return spans_[s == none ? server : s].span_id; }
  /// Ends every span still open, now, and hands them all over (server span first).
  std::vector<span> finish();

  static std::uint64_t now_ns();
  /// `t` as a span's time: nanoseconds since the Unix epoch.
  static std::uint64_t unix_ns(std::chrono::system_clock::time_point t);

 private:
  span_id_hex next_id();
  std::vector<span> spans_;
  std::uint64_t state_;
};

}  // namespace gateway
