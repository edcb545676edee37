#include "trace/sampler.hpp"

#include <charconv>
#include <cmath>

namespace gateway {

std::string parse_sampler(std::string_view name, std::string_view arg, sampler_settings& out) {
  sampler_settings s;
  std::string_view root = name;
  if (root.empty()) root = "parentbased_always_on";
  s.parent_based = root.starts_with("parentbased_");
  if (s.parent_based) root.remove_prefix(12);
  if (root == "always_on") {
    s.root = sampler_settings::root_kind::always_on;
  } else if (root == "always_off") {
    s.root = sampler_settings::root_kind::always_off;
  } else if (root == "traceidratio") {
    s.root = sampler_settings::root_kind::ratio;
    if (!arg.empty()) {
      double r = -1;
      const auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), r);
      if (ec != std::errc() || end != arg.data() + arg.size() || !(r >= 0 && r <= 1))
        return "OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1";
      s.ratio = r;
    }
  } else {
    return "OTEL_TRACES_SAMPLER must be always_on, always_off, traceidratio, or one of them after parentbased_";
  }
  out = s;
  return {};
}

bool sample(const sampler_settings& s, const trace_id_hex& trace_id, std::optional<bool> parent_sampled) {
  if (s.parent_based && parent_sampled) return *parent_sampled;
  switch (s.root) {
    case sampler_settings::root_kind::always_on: return true;
    case sampler_settings::root_kind::always_off: return false;
    case sampler_settings::root_kind::ratio: break;
  }
  if (s.ratio >= 1) return true;
  if (s.ratio <= 0) return false;
  std::uint64_t low = 0;
  std::from_chars(trace_id.data() + 16, trace_id.data() + 32, low, 16);
  // Below ratio x 2^64 (computed in long double: 2^64 itself is not a uint64).
  return static_cast<long double>(low) < static_cast<long double>(s.ratio) * 18446744073709551616.0L;
}

}  // namespace gateway
