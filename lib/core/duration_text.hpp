// Durations as Go prints them (time.Duration.String): "6s", "1m30.5s", "2.3ms", "1h2m0s", "0s".
// Groq writes its x-ratelimit-reset-* headers this way; groq-sim writes them the same way.
// Pure functions; the parser sees whatever an upstream sends (unit-tested and fuzzed).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {

/// One or more <decimal number><unit> terms (units h, m, s, ms, us, µs, ns; e.g. "1m30.5s",
/// "2.3ms", ".5s"), summed and rounded up to a whole microsecond (a sum that is whole up to the
/// doubles' error stays as it is). nullopt for anything else:
/// signs, a number without a unit, unknown units, more than 32 bytes, or more than a day.
std::optional<std::chrono::microseconds> parse_go_duration(std::string_view text);

/// `d` in Go's format, to the millisecond: "0s", "850ms", "6s", "1m30.5s", "2h0m0s".
std::string go_duration_text(std::chrono::milliseconds d);

}  // namespace gateway
