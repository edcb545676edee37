// lib/net/alarm_clock, directly: on an io_context run by this test, a time that has passed runs on_due
// once; moving the time later (often) does not run it early;
// moving it earlier re-arms the timer; clear() and stop() leave a queued wait harmless; the alarm
// can go while a wait is queued.
#include "net/alarm_clock.hpp"

#include <boost/asio/io_context.hpp>
#include <catch2/catch.hpp>

#include "support/run_until.hpp"

#include <chrono>

using namespace gateway;
using namespace std::chrono_literals;
using test::run_until;

TEST_CASE("alarm_clock: a time that passed runs on_due once", "[net][alarm_clock]") {
  boost::asio::io_context ioc;
  int due = 0;
  alarm_clock a(ioc.get_executor(), [&] { ++due; });
  a.set(clock_type::now() + 20ms);
  REQUIRE(a.when());
  run_until(ioc, [&] { return due > 0; });
  CHECK(due == 1);
  CHECK_FALSE(a.when());
  ioc.run_for(40ms);
  ioc.restart();
  CHECK(due == 1);  // once per set()
  a.set(clock_type::now() + 10ms);
  run_until(ioc, [&] { return due > 1; });
  CHECK(due == 2);
}

TEST_CASE("alarm_clock: a time moved on before it passed never runs early", "[net][alarm_clock]") {
  boost::asio::io_context ioc;
  int due = 0;
  alarm_clock a(ioc.get_executor(), [&] { ++due; });
  const auto start = clock_type::now();
  // A stream's writes: the clock moves on every few milliseconds for 120 ms, an interval of 40 ms.
  clock_type::time_point last{};
  while (clock_type::now() - start < 120ms) {
    last = clock_type::now();
    a.set(last + 40ms);
    ioc.run_for(5ms);
    ioc.restart();
  }
  CHECK(due == 0);
  run_until(ioc, [&] { return due > 0; });
  CHECK(due == 1);
  CHECK(clock_type::now() >= last + 40ms);
}

TEST_CASE("alarm_clock: a time moved earlier re-arms the timer", "[net][alarm_clock]") {
  boost::asio::io_context ioc;
  int due = 0;
  alarm_clock a(ioc.get_executor(), [&] { ++due; });
  a.set(clock_type::now() + 1h);
  a.set(clock_type::now() + 10ms);
  run_until(ioc, [&] { return due > 0; }, 1000ms);
  CHECK(due == 1);
}

TEST_CASE("alarm_clock: clear() and stop() leave a queued wait harmless, and the alarm may go first", "[net][alarm_clock]") {
  boost::asio::io_context ioc;
  int due = 0;
  {
    alarm_clock a(ioc.get_executor(), [&] { ++due; });
    a.set(clock_type::now() + 10ms);
    a.clear();
    CHECK_FALSE(a.when());
    ioc.run_for(40ms);
    ioc.restart();
    CHECK(due == 0);
    a.set(clock_type::now() + 10ms);
    a.stop();
    ioc.run_for(40ms);
    ioc.restart();
    CHECK(due == 0);
    a.set(clock_type::now() + 10ms);
  }  // gone with a wait queued
  ioc.run_for(40ms);
  CHECK(due == 0);
}
