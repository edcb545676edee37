#include "upstream/retry_policy.hpp"

#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace gateway {
namespace {

// A non-negative decimal number ("1", "1.5"); nullopt for anything else (signs, exponents, junk).
std::optional<double> parse_decimal(std::string_view s) {
  s = trim_ows(s);
  if (s.empty() || s.size() > 32) return std::nullopt;
  double v = 0;
  if (read_decimal(s, v) != s.size()) return std::nullopt;
  return v;
}

std::chrono::milliseconds to_ms(double ms) {
  // Anything beyond a day is as good as "too long"; the cap keeps the cast defined.
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::min(ms, 86'400'000.0)));
}

// Splits on spaces and the date's separators into at most 8 tokens.
struct tokens {
  std::array<std::string_view, 8> t{};
  std::size_t n = 0;
};
tokens split_date(std::string_view s) {
  tokens out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',' || s[i] == '-')) ++i;
    std::size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '-') ++j;
    if (j > i) {
      if (out.n == out.t.size()) return {};  // too many parts: not a date
      out.t[out.n++] = s.substr(i, j - i);
    }
    i = j;
  }
  return out;
}

std::optional<int> number(std::string_view s, std::size_t min_digits, std::size_t max_digits) {
  if (s.size() < min_digits || s.size() > max_digits) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

std::optional<int> month(std::string_view s) {
  static constexpr std::array<std::string_view, 12> names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (std::size_t i = 0; i < names.size(); ++i)
    if (s == names[i]) return static_cast<int>(i) + 1;
  return std::nullopt;
}

bool is_weekday(std::string_view s) {
  static constexpr std::array<std::string_view, 7> names{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  static constexpr std::array<std::string_view, 7> long_names{"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                                "Friday", "Saturday", "Sunday"};
  return std::find(names.begin(), names.end(), s) != names.end() ||
         std::find(long_names.begin(), long_names.end(), s) != long_names.end();
}

// "HH:MM:SS" to seconds of the day.
std::optional<int> time_of_day(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  const auto h = number(s.substr(0, 2), 2, 2), m = number(s.substr(3, 2), 2, 2), sec = number(s.substr(6, 2), 2, 2);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;
  return *h * 3600 + *m * 60 + *sec;
}

}  // namespace

bool retryable_status(unsigned status) {
  switch (status) {
    case 408: case 409: case 429: case 500: case 502: case 503: case 504: return true;
    default: return false;
  }
}

bool retryable_error(error e) {
  switch (e) {
    case error::upstream_connect_failed:
    case error::upstream_tls_failed:
    case error::upstream_closed:
    case error::upstream_connect_timeout:
    case error::upstream_first_byte_timeout: return true;
    default: return false;
  }
}

std::optional<std::chrono::sys_seconds> parse_http_date(std::string_view text) {
  const auto tk = split_date(trim_ows(text));
  std::optional<int> day, mon, year, secs;
  if (tk.n == 6 && is_weekday(tk.t[0]) && tk.t[5] == "GMT") {
    // IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT"
    day = number(tk.t[1], 2, 2), mon = month(tk.t[2]), year = number(tk.t[3], 4, 4), secs = time_of_day(tk.t[4]);
    // RFC 850 "Sunday, 06-Nov-94 08:49:37 GMT": a two-digit year (70-99 -> 19xx, else 20xx).
    if (!year) {
      if (auto yy = number(tk.t[3], 2, 2)) year = *yy >= 70 ? 1900 + *yy : 2000 + *yy;
    }
  } else if (tk.n == 5 && is_weekday(tk.t[0])) {
    // asctime "Sun Nov  6 08:49:37 1994"
    mon = month(tk.t[1]), day = number(tk.t[2], 1, 2), secs = time_of_day(tk.t[3]), year = number(tk.t[4], 4, 4);
  }
  if (!day || !mon || !year || !secs || *day < 1 || *day > 31 || *year < 1970 || *year > 9999) return std::nullopt;
  const std::chrono::year_month_day ymd{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*mon)),
                                        std::chrono::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd) + std::chrono::seconds(*secs);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view retry_after_ms,
                                                           std::string_view retry_after,
                                                           std::chrono::system_clock::time_point now) {
  if (auto ms = parse_decimal(retry_after_ms)) return to_ms(*ms);
  if (auto s = parse_decimal(retry_after)) return to_ms(*s * 1000);
  if (auto when = parse_http_date(retry_after)) {
    const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
    if (*when <= now_s) return std::chrono::milliseconds(0);
    return to_ms(static_cast<double>((*when - now_s).count()) * 1000);  // capped, so no overflow
  }
  return std::nullopt;
}

std::chrono::milliseconds backoff_delay(unsigned retry, double jitter, const retry_settings& s) {
  const double exp = std::ldexp(static_cast<double>(s.base.count()), static_cast<int>(std::min(retry, 30u)));
  const double capped = std::min(exp, static_cast<double>(s.cap.count()));
  return std::chrono::milliseconds(static_cast<std::int64_t>(capped * std::clamp(jitter, 0.0, 1.0)));
}

}  // namespace gateway
