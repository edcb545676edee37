// lib/net/watchdog, directly: on an io_context run by this test, a deadline fires its action once
// with its cause; re-arming moves it (later and earlier); disarm() and a moved deadline leave a
// queued expiry harmless; trigger() wins over a deadline and refuses later arms; reset() forgets a
// deadline's cause but never a trigger's; the watchdog can go while a wait is still queued.
#include "net/watchdog.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/run_until.hpp"

#include <chrono>

using namespace gateway;
using namespace std::chrono_literals;
using test::run_until;

TEST_CASE("watchdog: a deadline runs its action once and reports its cause", "[net][watchdog]") {
  boost::asio::io_context ioc;
  watchdog wd(ioc.get_executor());
  int ran = 0;
  REQUIRE(wd.arm(clock_type::now() + 20ms, error::upstream_idle_timeout, [&] { ++ran; }));
  CHECK_FALSE(wd.fired());
  run_until(ioc, [&] { return ran > 0; });
  CHECK(ran == 1);
  REQUIRE(wd.fired());
  CHECK(*wd.fired() == error::upstream_idle_timeout);
  // Fired: the next phase is not guarded, its caller fails with fired().
  CHECK_FALSE(wd.arm(clock_type::now() + 1h, error::request_timeout, [&] { ++ran; }));
  ioc.run_for(30ms);
  CHECK(ran == 1);
}

TEST_CASE("watchdog: disarm() before the deadline runs nothing", "[net][watchdog]") {
  boost::asio::io_context ioc;
  watchdog wd(ioc.get_executor());
  int ran = 0;
  REQUIRE(wd.arm(clock_type::now() + 20ms, error::request_timeout, [&] { ++ran; }));
  wd.disarm();
  ioc.run_for(60ms);
  CHECK(ran == 0);
  CHECK_FALSE(wd.fired());
}

TEST_CASE("watchdog: re-arming moves the deadline later and earlier", "[net][watchdog]") {
  boost::asio::io_context ioc;
  watchdog wd(ioc.get_executor());
  int first = 0, second = 0;
  const auto start = clock_type::now();
  // Later: the pending wait wakes at the old time, finds the deadline moved and waits again.
  REQUIRE(wd.arm(start + 20ms, error::upstream_first_byte_timeout, [&] { ++first; }));
  REQUIRE(wd.arm(start + 80ms, error::upstream_idle_timeout, [&] { ++second; }));
  ioc.run_for(50ms);
  ioc.restart();
  CHECK(first + second == 0);
  run_until(ioc, [&] { return second > 0; });
  CHECK(first == 0);
  CHECK(second == 1);
  CHECK(clock_type::now() - start >= 80ms);
  CHECK(*wd.fired() == error::upstream_idle_timeout);

  // Earlier: the wait is re-armed for the nearer time.
  watchdog wd2(ioc.get_executor());
  int ran = 0;
  const auto again = clock_type::now();
  REQUIRE(wd2.arm(again + 10s, error::request_timeout, [&] { ++ran; }));
  REQUIRE(wd2.arm(again + 20ms, error::client_write_timeout, [&] { ++ran; }));
  run_until(
      ioc, [&] { return ran > 0; }, 1000ms);
  CHECK(ran == 1);
  CHECK(clock_type::now() - again < 5s);
  CHECK(*wd2.fired() == error::client_write_timeout);
}

TEST_CASE("watchdog: trigger() fires at once, wins over a deadline and refuses later arms",
          "[net][watchdog]") {
  boost::asio::io_context ioc;
  watchdog wd(ioc.get_executor());
  int ran = 0;
  REQUIRE(wd.arm(clock_type::now() + 1h, error::request_timeout, [&] { ++ran; }));
  wd.trigger(error::client_gone);
  CHECK(ran == 1);  // the pending operation is made to fail now
  REQUIRE(wd.fired());
  CHECK(*wd.fired() == error::client_gone);
  wd.trigger(error::shutting_down);  // the first trigger wins
  CHECK(*wd.fired() == error::client_gone);
  wd.reset();  // a trigger is never forgotten
  CHECK(*wd.fired() == error::client_gone);
  CHECK_FALSE(wd.arm(clock_type::now() + 1h, error::request_timeout, [&] { ++ran; }));
  CHECK(ran == 1);
}

TEST_CASE("watchdog: a trigger replaces a deadline's cause, and reset() forgets only a deadline's",
          "[net][watchdog]") {
  boost::asio::io_context ioc;
  watchdog wd(ioc.get_executor());
  REQUIRE(wd.arm(clock_type::now() + 10ms, error::upstream_connect_timeout, [] {}));
  run_until(ioc, [&] { return wd.fired().has_value(); });
  REQUIRE(*wd.fired() == error::upstream_connect_timeout);
  // A retry of the phase: the deadline's cause is forgotten and the phase guarded again.
  wd.reset();
  CHECK_FALSE(wd.fired());
  int ran = 0;
  REQUIRE(wd.arm(clock_type::now() + 10ms, error::upstream_connect_timeout, [&] { ++ran; }));
  run_until(ioc, [&] { return ran > 0; });
  CHECK(ran == 1);
  wd.trigger(error::shutting_down);
  CHECK(*wd.fired() == error::shutting_down);
}

TEST_CASE("watchdog: destroyed with a wait still queued, nothing runs", "[net][watchdog]") {
  boost::asio::io_context ioc;
  int ran = 0;
  {
    watchdog wd(ioc.get_executor());
    REQUIRE(wd.arm(clock_type::now() + 10ms, error::request_timeout, [&] { ++ran; }));
  }
  ioc.run_for(50ms);
  CHECK(ran == 0);
}
