#include "trace/trace_context.hpp"

#include "core/text.hpp"

#include <algorithm>

namespace gateway {
namespace {

bool lower_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool all_zeros(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '0'; });
}

// `bytes` as hex into `out` (append_hex's digits), the last digit made 1 if they are all zeros.
template <std::size_t N>
void hex_id(std::span<const unsigned char> bytes, std::array<char, N>& out) {
  std::string hex;
  append_hex(hex, bytes);
  std::copy_n(hex.begin(), N, out.begin());
  if (all_zeros({out.data(), N})) out[N - 1] = '1';
}

}  // namespace

std::string trace_context::traceparent() const {
  std::string out;
  out.reserve(55);
  out.append("00-").append(trace_id.data(), trace_id.size()).append("-");
  out.append(parent_id.data(), parent_id.size()).append(sampled ? "-01" : "-00");
  return out;
}

std::optional<trace_context> parse_traceparent(std::string_view v) {
  // version "-" trace-id "-" parent-id "-" trace-flags: 2 + 1 + 32 + 1 + 16 + 1 + 2 = 55.
  if (v.size() < 55 || v[2] != '-' || v[35] != '-' || v[52] != '-') return std::nullopt;
  const auto version = v.substr(0, 2), trace = v.substr(3, 32), parent = v.substr(36, 16),
             flags = v.substr(53, 2);
  if (!lower_hex(version) || version == "ff") return std::nullopt;
  if (version == "00" ? v.size() != 55 : (v.size() > 55 && v[55] != '-')) return std::nullopt;
  if (!lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) return std::nullopt;
  if (all_zeros(trace) || all_zeros(parent)) return std::nullopt;
  trace_context t;
  std::copy(trace.begin(), trace.end(), t.trace_id.begin());
  std::copy(parent.begin(), parent.end(), t.parent_id.begin());
  t.sampled = (hex_digit_value(flags[1]) & 1) != 0;
  return t;
}

trace_context new_trace(std::span<const unsigned char, 24> random) {
  trace_context t;
  hex_id(random.first<16>(), t.trace_id);
  hex_id(random.last<8>(), t.parent_id);
  return t;
}

bool forwardable_tracestate(std::string_view value) {
  if (value.empty() || value.size() > tracestate_limit) return false;
  std::size_t members = 1;
  for (const char c : value) {
    if (c == ',') ++members;
    else if (c != ' ' && c != '\t' && (c < 0x21 || c > 0x7e)) return false;
  }
  return members <= 32;
}

std::string upstream_trace_fields(const trace_context& trace, std::string_view tracestate) {
  std::string out;
  out.reserve(72 + (tracestate.empty() ? 0 : 14 + tracestate.size()));
  out.append("traceparent: ").append(trace.traceparent()).append("\r\n");
  if (!tracestate.empty()) out.append("tracestate: ").append(tracestate).append("\r\n");
  return out;
}

}  // namespace gateway
