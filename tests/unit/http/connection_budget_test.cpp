// connection_budget (lib/http): the connection cap, the per-client cap, the per-client rate of new
// connections and the in-flight body budget, holds given back however they end, and the totals never passing a limit when several
// threads race for the last place.
#include "http/connection_budget.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using gateway::connection_budget;
using gateway::connection_limits;

TEST_CASE("connection budget: refuses past max_connections and counts it") {
  auto budget = connection_budget::create(connection_limits{2, 0, 0});
  auto a = budget->admit("1.1.1.1");
  auto b = budget->admit("2.2.2.2");
  auto c = budget->admit("3.3.3.3");
  CHECK(a.refused == connection_budget::refusal::none);
  CHECK(b.refused == connection_budget::refusal::none);
  CHECK(c.refused == connection_budget::refusal::max_connections);
  CHECK_FALSE(c.held);
  CHECK(budget->stats().open == 2);
  CHECK(budget->stats().refused_max == 1);
  a.held = {};  // closed: its place is free again
  CHECK(budget->stats().open == 1);
  CHECK(budget->admit("3.3.3.3").refused == connection_budget::refusal::none);
  CHECK(budget->stats().open == 1);  // that ticket was dropped at once
}

TEST_CASE("connection budget: caps connections per client group, others unaffected") {
  auto budget = connection_budget::create(connection_limits{100, 2, 0});
  std::vector<connection_budget::ticket> held;
  for (int i = 0; i < 2; ++i) held.push_back(std::move(budget->admit("10.0.0.1").held));
  CHECK(budget->admit("10.0.0.1").refused == connection_budget::refusal::per_client);
  auto other = budget->admit("10.0.0.2");
  CHECK(other.refused == connection_budget::refusal::none);
  const auto s = budget->stats();
  CHECK(s.open == 3);
  CHECK(s.refused_per_client == 1);
  CHECK(s.refused_max == 0);
  held.pop_back();
  CHECK(budget->admit("10.0.0.1").refused == connection_budget::refusal::none);
}

TEST_CASE("connection budget: a moved ticket is released once") {
  auto budget = connection_budget::create(connection_limits{1, 1, 0});
  {
    auto a = budget->admit("x");
    connection_budget::ticket moved = std::move(a.held);
    connection_budget::ticket again;
    again = std::move(moved);
    CHECK(budget->stats().open == 1);
  }
  CHECK(budget->stats().open == 0);
  CHECK(budget->admit("x").refused == connection_budget::refusal::none);
}

TEST_CASE("connection budget: body bytes are refused past the budget and given back") {
  auto budget = connection_budget::create(connection_limits{10, 0, 1000});
  connection_budget::body_hold a, b, c;
  CHECK(budget->charge_body(600, a));
  CHECK(budget->charge_body(300, b));
  CHECK(budget->charge_body(100, b));  // a body grows: its hold adds up, exactly to the budget
  CHECK(b.bytes() == 400);
  CHECK_FALSE(budget->charge_body(1, c));
  CHECK_FALSE(budget->charge_body(1, c));  // the same body refused again: counted once
  CHECK(budget->charge_body(0, c));        // nothing to hold
  CHECK(budget->stats().inflight_body_bytes == 1000);
  CHECK(budget->stats().bodies_refused == 1);
  a.release();
  CHECK(budget->stats().inflight_body_bytes == 400);
  CHECK(budget->charge_body(600, c));
  CHECK_FALSE(budget->charge_body(2000, a));  // larger than the whole budget
  CHECK(budget->stats().bodies_refused == 2);
  // What an allocator gave past a checked charge is held too, even past the budget.
  budget->charge_body_unchecked(10, c);
  CHECK(c.bytes() == 610);
  CHECK(budget->stats().inflight_body_bytes == 1010);
  b = {};
  c = {};
  CHECK(budget->stats().inflight_body_bytes == 0);
}

TEST_CASE("connection budget: a body budget of 0 is off") {
  auto budget = connection_budget::create(connection_limits{10, 0, 0});
  connection_budget::body_hold a;
  CHECK(budget->charge_body(std::size_t{1} << 40, a));
  budget->charge_body_unchecked(100, a);
  CHECK(a.bytes() == 0);
  CHECK(budget->stats().inflight_body_bytes == 0);
}

TEST_CASE("connection budget: threads racing never pass the limits") {
  constexpr std::size_t max = 2, budget_bytes = 3 * 100;  // fewer places than threads
  auto budget = connection_budget::create(connection_limits{max, 0, budget_bytes});
  std::atomic<std::size_t> over{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20'000; ++i) {
        auto a = budget->admit(t % 2 ? "a" : "b");
        connection_budget::body_hold hold;
        budget->charge_body(60, hold);
        budget->charge_body(40, hold);
        const auto s = budget->stats();
        if (s.open > max || s.inflight_body_bytes > budget_bytes) over.fetch_add(1);
      }
    });
  for (auto& t : threads) t.join();
  CHECK(over.load() == 0);
  CHECK(budget->stats().open == 0);
  CHECK(budget->stats().inflight_body_bytes == 0);
}

TEST_CASE("connection budget: new connections a second per client group, a second's worth at once") {
  using namespace std::chrono_literals;
  connection_limits limits{1000, 0, 0};
  limits.new_per_client_per_second = 4;
  auto budget = connection_budget::create(limits);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  for (int i = 0; i < 4; ++i) CHECK(budget->admit("10.0.0.1", t0).refused == connection_budget::refusal::none);
  CHECK(budget->admit("10.0.0.1", t0).refused == connection_budget::refusal::rate);
  CHECK(budget->admit("10.0.0.1", t0 + 200ms).refused == connection_budget::refusal::rate);
  CHECK(budget->admit("10.0.0.2", t0).refused == connection_budget::refusal::none);  // others unaffected
  // One more every 250 ms; a quiet second gives the whole burst back.
  CHECK(budget->admit("10.0.0.1", t0 + 250ms).refused == connection_budget::refusal::none);
  CHECK(budget->admit("10.0.0.1", t0 + 260ms).refused == connection_budget::refusal::rate);
  for (int i = 0; i < 4; ++i) CHECK(budget->admit("10.0.0.1", t0 + 2s).refused == connection_budget::refusal::none);
  CHECK(budget->admit("10.0.0.1", t0 + 2s).refused == connection_budget::refusal::rate);
  const auto s = budget->stats();
  CHECK(s.refused_rate == 4);
  CHECK(s.open == 0);  // the tickets above were dropped at once; a refused arrival took no place
  CHECK(s.refused_max == 0);
}

TEST_CASE("connection budget: the arrivals kept are bounded, and past the bound a client goes untracked") {
  using namespace std::chrono_literals;
  connection_limits limits{1000, 0, 0};
  limits.new_per_client_per_second = 1;
  limits.max_rate_tracked = 2;
  auto budget = connection_budget::create(limits);
  const auto t0 = std::chrono::steady_clock::time_point{} + 100s;
  CHECK(budget->admit("a", t0).refused == connection_budget::refusal::none);
  CHECK(budget->admit("b", t0).refused == connection_budget::refusal::none);
  // Full, and both active within the last second: "c" is admitted untracked, every time.
  CHECK(budget->admit("c", t0).refused == connection_budget::refusal::none);
  CHECK(budget->admit("c", t0).refused == connection_budget::refusal::none);
  CHECK(budget->admit("a", t0).refused == connection_budget::refusal::rate);  // tracked ones still are
  // A second later "a" and "b" are due again, so the sweep makes room: "c" is tracked now.
  CHECK(budget->admit("c", t0 + 2s).refused == connection_budget::refusal::none);
  CHECK(budget->admit("c", t0 + 2s).refused == connection_budget::refusal::rate);
}
