#include "cache/single_flight.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace gateway;

namespace {
cache_key key_of(int n) {
  cache_key k{};
  k[31] = static_cast<unsigned char>(n);
  return k;
}
flight::piece piece(std::string s) { return std::make_shared<const std::string>(std::move(s)); }
std::shared_ptr<const cached_answer> answer(std::string text) {
  return std::make_shared<const cached_answer>(cached_answer{std::move(text), "m", std::nullopt, "stop"});
}
}  // namespace

TEST_CASE("single flight: the first request leads, the others follow", "[flight]") {
  flight_registry reg;
  int wakes = 0;
  auto lead = reg.join(key_of(1), true, [] {});
  REQUIRE(lead.leader);
  auto f1 = reg.join(key_of(1), true, [&] { ++wakes; });
  auto f2 = reg.join(key_of(1), false, [&] { ++wakes; });
  CHECK_FALSE(f1.leader);
  CHECK_FALSE(f2.leader);
  CHECK(f1.f == lead.f);
  CHECK(f1.follower != f2.follower);
  CHECK(lead.f->streamed());  // the leader's mode, not the follower's
  auto other = reg.join(key_of(2), true, [] {});
  CHECK(other.leader);

  const auto st = reg.stats();
  CHECK(st.led == 2);
  CHECK(st.coalesced == 2);
  CHECK(st.in_flight == 2);
}

TEST_CASE("single flight: followers read what was published, from where they are", "[flight]") {
  flight_registry reg;
  int wakes = 0;
  auto lead = reg.join(key_of(1), true, [] {});
  lead.f->publish(piece("a"));
  auto late = reg.join(key_of(1), true, [&] { ++wakes; });
  auto u = late.f->poll(0, true);
  REQUIRE(u.pieces.size() == 1);  // what was generated before it joined, at once
  CHECK(*u.pieces[0] == "a");
  CHECK_FALSE(u.answer);

  const auto c = piece("c");
  lead.f->publish(piece("b"));
  lead.f->publish(c);
  CHECK(wakes == 2);
  u = late.f->poll(1, true);
  REQUIRE(u.pieces.size() == 2);
  CHECK(*u.pieces[0] == "b");
  CHECK(u.pieces[1] == c);  // the leader's bytes, shared by pointer, not copied
  CHECK(late.f->poll(3, true).pieces.empty());
  CHECK(late.f->poll(0, false).pieces.empty());  // JSON followers do not take pieces

  lead.f->succeed(answer("abc"));
  CHECK(wakes == 3);
  u = late.f->poll(3, true);
  REQUIRE(u.answer);
  CHECK(u.answer->answer == "abc");
  CHECK_FALSE(u.failure);
  lead.f->publish(piece("late"));  // nothing changes once settled
  lead.f->fail({error::upstream_closed, "x", {}});
  CHECK(late.f->poll(3, true).pieces.empty());
  CHECK_FALSE(late.f->poll(3, true).failure);
  CHECK(wakes == 3);
}

TEST_CASE("single flight: a failure reaches every follower", "[flight]") {
  flight_registry reg;
  auto lead = reg.join(key_of(1), false, [] {});
  auto a = reg.join(key_of(1), true, [] {});
  auto b = reg.join(key_of(1), false, [] {});
  lead.f->fail({error::rate_limited, "slow down", "7"});
  for (const auto* t : {&a, &b}) {
    const auto u = t->f->poll(0, true);
    REQUIRE(u.failure);
    CHECK(u.failure->code == error::rate_limited);
    CHECK(u.failure->message == "slow down");
    CHECK(u.failure->retry_after == "7");
  }
}

TEST_CASE("single flight: a settled or closed flight is not joined - a new one starts", "[flight]") {
  flight_registry reg;
  auto lead = reg.join(key_of(1), true, [] {});
  lead.f->succeed(answer("x"));
  auto next = reg.join(key_of(1), true, [] {});
  CHECK(next.leader);  // settled, not closed yet: cannot serve anyone any more
  CHECK(next.f != lead.f);
  reg.close(key_of(1), lead.f);  // the old leader closing must not remove the new flight
  CHECK(reg.stats().in_flight == 1);
  CHECK_FALSE(reg.join(key_of(1), true, [] {}).leader);
  reg.close(key_of(1), next.f);
  CHECK(reg.stats().in_flight == 0);
  CHECK(reg.join(key_of(1), true, [] {}).leader);
}

TEST_CASE("single flight: the upstream is cancelled only when no client is left", "[flight]") {
  flight_registry reg;
  int cancels = 0;

  SECTION("leader's client leaves first, then the followers one by one") {
    auto lead = reg.join(key_of(1), true, [] {});
    lead.f->on_abandoned([&] { ++cancels; });
    auto a = reg.join(key_of(1), true, [] {});
    auto b = reg.join(key_of(1), true, [] {});
    CHECK(lead.f->leader_gone());  // followers remain: go on
    a.f->leave(a.follower);
    CHECK(cancels == 0);
    b.f->leave(b.follower);
    CHECK(cancels == 1);
    CHECK(reg.join(key_of(1), true, [] {}).leader);  // an abandoned flight is not joined
  }
  SECTION("followers leave first: the leader's client still wants the answer") {
    auto lead = reg.join(key_of(1), true, [] {});
    lead.f->on_abandoned([&] { ++cancels; });
    auto a = reg.join(key_of(1), true, [] {});
    a.f->leave(a.follower);
    CHECK(cancels == 0);
    CHECK_FALSE(lead.f->leader_gone());  // nobody left: the leader cancels itself
    CHECK(cancels == 0);
  }
  SECTION("followers that leave after the answer cancel nothing") {
    auto lead = reg.join(key_of(1), true, [] {});
    lead.f->on_abandoned([&] { ++cancels; });
    auto a = reg.join(key_of(1), true, [] {});
    CHECK(lead.f->leader_gone());
    lead.f->succeed(answer("x"));
    a.f->leave(a.follower);
    CHECK(cancels == 0);
  }
}

TEST_CASE("single flight: concurrent leaders, followers and publishers", "[flight]") {
  // Many threads ask for a few keys at once; every flight is settled by its leader. Checks that
  // exactly one leader exists per open flight and that followers see every piece in order.
  flight_registry reg;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        const auto key = key_of((i + t) % 4);
        // A waker may run just after leave() returned, so it owns what it touches.
        auto wakes = std::make_shared<std::atomic<int>>(0);
        auto ticket = reg.join(key, true, [wakes] { ++*wakes; });
        if (ticket.leader) {
          for (int p = 0; p < 5; ++p) ticket.f->publish(piece(std::to_string(p)));
          ticket.f->succeed(answer("01234"));
          reg.close(key, ticket.f);
        } else {
          // Read until settled; pieces arrive in order, each once.
          std::size_t seen = 0;
          for (;;) {
            const auto u = ticket.f->poll(seen, true);
            for (const auto& p : u.pieces)
              if (*p != std::to_string(seen++)) ++errors;
            if (u.answer || u.failure) {
              if (u.answer && seen != 5) ++errors;
              break;
            }
            std::this_thread::yield();
          }
          ticket.f->leave(ticket.follower);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(errors == 0);
  const auto st = reg.stats();
  CHECK(st.led + st.coalesced == 8 * 300);
  CHECK(st.in_flight == 0);
}
