#include "upstream/circuit_breaker.hpp"

#include <catch2/catch.hpp>

using namespace gateway;
using namespace std::chrono_literals;

namespace {
struct fake_clock {
  clock_type::time_point now{};
  circuit_breaker::clock_fn fn() {
    return [this] { return now; };
  }
};
}  // namespace

TEST_CASE("breaker: opens after N consecutive failures, probes after the cooldown", "[breaker]") {
  fake_clock clock;
  circuit_breaker b({3, 10s}, clock.fn());
  for (int i = 0; i < 2; ++i) {
    REQUIRE(b.allow());
    b.record_failure();
  }
  CHECK(b.current() == circuit_breaker::state::closed);
  b.record_success();  // resets the count: failures must be consecutive
  for (int i = 0; i < 3; ++i) b.record_failure();
  CHECK(b.current() == circuit_breaker::state::open);
  CHECK_FALSE(b.allow());
  clock.now += 4s;
  CHECK(b.retry_in() == 6s);
  CHECK_FALSE(b.allow());
  clock.now += 6s;
  CHECK(b.allow());  // the probe
  CHECK(b.current() == circuit_breaker::state::half_open);
  CHECK_FALSE(b.allow());  // only one probe at a time
  b.record_success();
  CHECK(b.current() == circuit_breaker::state::closed);
  CHECK(b.allow());
  CHECK(b.retry_in() == 0s);
}

TEST_CASE("breaker: a failed probe opens it again for a full cooldown", "[breaker]") {
  fake_clock clock;
  circuit_breaker b({1, 10s}, clock.fn());
  b.record_failure();
  clock.now += 10s;
  REQUIRE(b.allow());
  b.record_failure();
  CHECK(b.current() == circuit_breaker::state::open);
  clock.now += 9s;
  CHECK_FALSE(b.allow());
  clock.now += 1s;
  CHECK(b.allow());
}

TEST_CASE("breaker: a probe that never reports does not wedge it", "[breaker]") {
  fake_clock clock;
  circuit_breaker b({1, 10s}, clock.fn());
  b.record_failure();
  clock.now += 10s;
  REQUIRE(b.allow());  // this probe's client leaves; no outcome is recorded
  clock.now += 5s;
  CHECK_FALSE(b.allow());
  clock.now += 5s;
  CHECK(b.allow());
}

TEST_CASE("breaker: BREAKER_FAILURES=0 turns it off", "[breaker]") {
  circuit_breaker b({0, 10s});
  for (int i = 0; i < 100; ++i) b.record_failure();
  CHECK(b.allow());
  CHECK(b.current() == circuit_breaker::state::closed);
}
