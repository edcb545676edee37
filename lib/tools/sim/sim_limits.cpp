#include "tools/sim/sim_limits.hpp"

#include "core/duration_text.hpp"

#include <algorithm>
#include <charconv>

namespace gateway::sim {
namespace {

std::chrono::milliseconds until_reset(const std::chrono::milliseconds length, clock_type::time_point start,
                                      clock_type::time_point now) {
  return std::max(std::chrono::ceil<std::chrono::milliseconds>(start + length - now), std::chrono::milliseconds(0));
}

}  // namespace

limit_verdict rate_windows::admit(const std::string& key, const std::string& model, const sim_limit& limit,
                                  std::uint64_t tokens, clock_type::time_point now) {
  limit_verdict v;
  if (!limit.any()) return v;
  auto& [req, tok] = windows_[key + '\n' + model];
  for (auto [w, length] : {std::pair{&req, limit.requests_window}, std::pair{&tok, limit.tokens_window}})
    if (!w->open || now >= w->start + length) *w = window{now, 0, true};
  const bool requests_spent = limit.requests && req.used >= limit.requests;
  const bool tokens_spent = limit.tokens && tok.used >= limit.tokens;
  v.allowed = !requests_spent && !tokens_spent;
  if (v.allowed) {
    ++req.used;
    tok.used += tokens;
  } else {
    v.retry_after = std::max(requests_spent ? until_reset(limit.requests_window, req.start, now) : std::chrono::milliseconds(0),
                             tokens_spent ? until_reset(limit.tokens_window, tok.start, now) : std::chrono::milliseconds(0));
  }
  auto add = [&](const char* what, unsigned max, const window& w, std::chrono::milliseconds length) {
    if (!max) return;
    const std::string name(what);
    v.headers.emplace_back("x-ratelimit-limit-" + name, std::to_string(max));
    v.headers.emplace_back("x-ratelimit-remaining-" + name, std::to_string(w.used >= max ? 0 : max - w.used));
    v.headers.emplace_back("x-ratelimit-reset-" + name, go_duration_text(until_reset(length, w.start, now)));
  };
  add("requests", limit.requests, req, limit.requests_window);
  add("tokens", limit.tokens, tok, limit.tokens_window);
  return v;
}

bool parse_limit(const std::string& text, unsigned& count, std::chrono::milliseconds& window) {
  const auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0) return false;
  unsigned n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + slash, n);
  if (ec != std::errc{} || p != text.data() + slash) return false;
  const auto unit = std::string_view(text).substr(slash + 1);
  using namespace std::chrono_literals;
  if (unit == "s") window = 1s;
  else if (unit == "min") window = 60s;
  else if (unit == "h") window = 3600s;
  else if (unit == "day") window = 86'400s;
  else if (auto d = parse_go_duration(unit); d && *d >= std::chrono::seconds(1)) window = std::chrono::ceil<std::chrono::milliseconds>(*d);
  else return false;
  count = n;
  return true;
}

}  // namespace gateway::sim
