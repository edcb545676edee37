#include "upstream/rate_limits.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace gateway;

namespace {
auto lookup(std::map<std::string, std::string> headers) {
  return [headers = std::move(headers)](std::string_view name) {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string{} : it->second;
  };
}
}  // namespace

TEST_CASE("rate limits: Groq's headers are read, junk is ignored", "[ratelimit]") {
  const auto s = parse_rate_limits(lookup({{"x-ratelimit-limit-requests", "14400"},
                                           {"x-ratelimit-remaining-requests", "14370"},
                                           {"x-ratelimit-limit-tokens", "6000"},
                                           {"x-ratelimit-remaining-tokens", "-5"},
                                           {"x-ratelimit-reset-tokens", "7.66s"}}));
  CHECK(s.limit_requests == 14400u);
  CHECK(s.remaining_requests == 14370u);
  CHECK(s.limit_tokens == 6000u);
  CHECK_FALSE(s.remaining_tokens);  // not a number we accept
  CHECK(s.reset_tokens == "7.66s");
  CHECK(s.any());
  CHECK_FALSE(running_low(s));
  CHECK_FALSE(parse_rate_limits(lookup({})).any());
}

TEST_CASE("rate limits: under 10 % remaining is running low", "[ratelimit]") {
  rate_limit_snapshot s;
  s.limit_tokens = 6000;
  s.remaining_tokens = 599;
  CHECK(running_low(s));
  s.remaining_tokens = 600;
  CHECK_FALSE(running_low(s));
  s.limit_requests = 100;
  s.remaining_requests = 9;
  CHECK(running_low(s));
}

TEST_CASE("rate limits: the state keeps the last response that carried them", "[ratelimit]") {
  rate_limit_state state;
  rate_limit_snapshot s;
  s.remaining_requests = 5;
  state.update(s);
  state.update(rate_limit_snapshot{});  // a response without the headers changes nothing
  CHECK(state.get().remaining_requests == 5u);
}
