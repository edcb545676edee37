#include "upstream/rate_limits.hpp"

#include "core/duration_text.hpp"

#include <charconv>

namespace gateway {
namespace {

std::optional<std::uint64_t> number(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

bool low(const std::optional<std::uint64_t>& remaining, const std::optional<std::uint64_t>& limit) {
  return remaining && limit && *limit > 0 && *remaining * 10 < *limit;
}

}  // namespace

rate_limit_snapshot parse_rate_limits(const std::function<std::string(std::string_view)>& header) {
  rate_limit_snapshot s;
  s.limit_requests = number(header("x-ratelimit-limit-requests"));
  s.remaining_requests = number(header("x-ratelimit-remaining-requests"));
  s.limit_tokens = number(header("x-ratelimit-limit-tokens"));
  s.remaining_tokens = number(header("x-ratelimit-remaining-tokens"));
  s.reset_requests = header("x-ratelimit-reset-requests");
  s.reset_tokens = header("x-ratelimit-reset-tokens");
  s.reset_requests_in = parse_go_duration(s.reset_requests);
  s.reset_tokens_in = parse_go_duration(s.reset_tokens);
  return s;
}

bool running_low(const rate_limit_snapshot& s) {
  return low(s.remaining_requests, s.limit_requests) || low(s.remaining_tokens, s.limit_tokens);
}

void rate_limit_state::update(const rate_limit_snapshot& s) {
  if (!s.any()) return;
  std::lock_guard lock(mutex_);
  last_ = s;
}

rate_limit_snapshot rate_limit_state::get() const {
  std::lock_guard lock(mutex_);
  return last_;
}

}  // namespace gateway
