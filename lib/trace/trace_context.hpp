// W3C Trace Context (https://www.w3.org/TR/trace-context/) as the gateway reads and writes it: a
// client's `traceparent` checked strictly, a new trace for a request that brings none, a client's
// `tracestate` checked before it is passed on, and the header lines an upstream request carries.
//
// A request the gateway does not record (tracing off, or not sampled: gateway/request_tracing.hpp)
// takes no part in its trace: a valid client context goes upstream as it came (the recommendation
// lets a system that records nothing pass it on), and a request without one starts a new trace,
// not sampled, so that Groq's side and the gateway's access log (which logs the trace id) can
// still be matched. A recorded request names its own span instead (relay/upstream_trace.hpp).
// Pure and sans-io: the random bytes of a new trace come from the caller.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace gateway {

struct trace_context {
  std::array<char, 32> trace_id{};   // lowercase hex, never all zeros
  std::array<char, 16> parent_id{};  // lowercase hex, never all zeros: the span the upstream call is under
  bool sampled = false;              // the trace-flags' sampled bit, as the client set it

  std::string_view trace_id_text() const { return {trace_id.data(), trace_id.size()}; }
  /// "00-<trace-id>-<parent-id>-<flags>": version 00, whatever version it was read from; flags
  /// other than sampled are not passed on (version 00 defines no other).
  std::string traceparent() const;
};

/// The context a client's `traceparent` value names, or nullopt when it is not one: version 00 with
/// exactly 55 characters, or a later version (not ff) whose first 55 characters have 00's form and
/// are followed by nothing or by '-'; lowercase hex only; neither id all zeros. The caller passes
/// the value of the one field line (two lines make the header invalid: the caller's check).
std::optional<trace_context> parse_traceparent(std::string_view value);

/// A new trace, not sampled, its ids taken from `random` (16 bytes of trace id, 8 of parent id);
/// an id that comes out all zeros gets its last digit set to 1.
trace_context new_trace(std::span<const unsigned char, 24> random);

/// The most of `tracestate` passed on: the recommendation asks a system to pass on at least 512
/// characters, and this bounds what a client can add to every upstream request.
constexpr std::size_t tracestate_limit = 512;

/// Whether a client's `tracestate` (its field lines joined with ',') may be passed on: not empty, at
/// most tracestate_limit bytes, at most 32 list members, visible ASCII, spaces and tabs only (no
/// control character can reach an upstream request's head). One that may not is dropped whole.
bool forwardable_tracestate(std::string_view value);

/// The upstream request's trace header lines: "traceparent: ...\r\n" and, when not empty,
/// "tracestate: ...\r\n" (already checked by forwardable_tracestate).
std::string upstream_trace_fields(const trace_context& trace, std::string_view tracestate);

}  // namespace gateway
