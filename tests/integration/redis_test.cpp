// The shared tier against a real redis-server: the pipelined client (replies matched in order,
// deadlines, reconnection), the two-tier answer store across two "instances", and the rate limit
// shared by two of them - with Redis frozen, killed and back.
#include "cluster/rate_limiter.hpp"
#include "cluster/shared_answer_store.hpp"
#include "redis/redis_client.hpp"
#include "support/redis_server.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include <optional>

using namespace gateway;
using namespace std::chrono_literals;

namespace {

// An io_context on one thread and a client on it.
struct client_env {
  explicit client_env(unsigned short port, std::chrono::milliseconds timeout = 50ms) {
    redis::redis_settings s;
    std::string why;
    s.address = *redis::parse_redis_url("redis://127.0.0.1:" + std::to_string(port), why);
    s.timeout = timeout;
    s.backoff_min = 20ms;
    s.backoff_max = 200ms;
    client = redis::redis_client::create(ioc.get_executor(), s, logger());
    client->start();
    thread = std::thread([this] { ioc.run(); });
  }
  ~client_env() {
    client->stop();
    work.reset();
    ioc.stop();
    thread.join();
  }
  template <class T>
  T run(asio::awaitable<T> a) {
    return asio::co_spawn(ioc, std::move(a), asio::use_future).get();
  }
  redis::redis_reply cmd(std::vector<std::string> args) { return run(client->command(std::move(args))); }
  bool wait_up(bool want = true) {
    for (int i = 0; i < 300; ++i) {
      if (client->up() == want) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }

  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work{ioc.get_executor()};
  std::shared_ptr<redis::redis_client> client;
  std::thread thread;
};

// Appended, not `name(i)`: that draws a false -Wstringop-overflow from GCC 12.
std::string name(int i) {
  std::string s("k");
  s += std::to_string(i);
  return s;
}

cache_key key_of(unsigned char n) {
  cache_key k{};
  k.fill(n);
  return k;
}

}  // namespace

TEST_CASE("redis: pipelined commands get their own replies, in order", "[redis][integration]") {
  test::redis_server server;
  client_env env(server.port());
  REQUIRE(env.wait_up());
  std::vector<std::future<redis::redis_reply>> sets, gets;
  for (int i = 0; i < 200; ++i)
    sets.push_back(asio::co_spawn(env.ioc, env.client->command({"SET", name(i), std::to_string(i * 7)}),
                                  asio::use_future));
  for (auto& f : sets) CHECK(f.get().value.text == "OK");
  for (int i = 0; i < 200; ++i)
    gets.push_back(asio::co_spawn(env.ioc, env.client->command({"GET", name(i)}), asio::use_future));
  for (int i = 0; i < 200; ++i) CHECK(gets[static_cast<std::size_t>(i)].get().value.text == std::to_string(i * 7));
  const auto err = env.cmd({"INCR", "k1", "extra"});
  CHECK(err.error == redis::redis_errc::ok);
  CHECK(err.value.is_error());  // Redis's own error reply, not a transport failure
  CHECK_FALSE(err.ok());
}

TEST_CASE("redis: a frozen Redis costs one timeout per command, then none, and once thawed it is used again", "[redis][integration]") {
  test::redis_server server;
  client_env env(server.port());
  REQUIRE(env.wait_up());
  server.freeze();
  for (int i = 0; i < 3; ++i) {
    const auto started = clock_type::now();
    CHECK(env.cmd({"PING"}).error == redis::redis_errc::timeout);
    CHECK(clock_type::now() - started < 1s);
  }
  // Three timeouts in a row: the connection is given up; commands fail at once meanwhile.
  REQUIRE(env.wait_up(false));
  const auto started = clock_type::now();
  CHECK(env.cmd({"PING"}).error == redis::redis_errc::down);
  CHECK(clock_type::now() - started < 40ms);
  server.thaw();
  REQUIRE(env.wait_up());
  CHECK(env.cmd({"PING"}).value.text == "PONG");
}

TEST_CASE("redis: killed, commands fail at once, and restarted, the client reconnects", "[redis][integration]") {
  test::redis_server server;
  client_env env(server.port());
  REQUIRE(env.wait_up());
  server.kill_now();
  REQUIRE(env.wait_up(false));
  CHECK(env.cmd({"PING"}).error == redis::redis_errc::down);
  server.start();
  REQUIRE(env.wait_up());
  CHECK(env.cmd({"PING"}).ok());
}

// A chain's commands go in order with the client's others: a command after them sees their effect,
// or their loss.
TEST_CASE("redis: a chain of sends knows what it lost, and its end says so instead", "[redis][integration]") {
  test::redis_server server;
  client_env env(server.port());
  REQUIRE(env.wait_up());
  auto chain = std::make_shared<redis::send_chain>();
  env.client->send({"SET", "piece1", "sent"}, chain);
  env.client->send({"SET", "end1", "whole"}, chain, {"SET", "end1", "broken"});
  CHECK(env.cmd({"GET", "piece1"}).value.text == "sent");
  CHECK(env.cmd({"GET", "end1"}).value.text == "whole");
  CHECK_FALSE(chain->broken);
  // Dropped while the connection is down: the chain is broken for good.
  server.kill_now();
  REQUIRE(env.wait_up(false));
  env.client->send({"SET", "piece2", "lost"}, chain);
  CHECK(env.cmd({"PING"}).error == redis::redis_errc::down);
  CHECK(chain->broken);
  server.start();
  REQUIRE(env.wait_up());
  env.client->send({"SET", "end2", "whole"}, chain, {"SET", "end2", "broken"});
  CHECK(env.cmd({"GET", "end2"}).value.text == "broken");
  // Refused by Redis: lost too.
  auto refused = std::make_shared<redis::send_chain>();
  env.client->send({"XADD", "stream", "not-an-id", "d", "x"}, refused);
  CHECK(env.cmd({"PING"}).ok());
  CHECK(refused->broken);
  // Beyond max_pending: dropped, and said so.
  auto full = std::make_shared<redis::send_chain>();
  server.freeze();
  for (int i = 0; i < 4'097; ++i) env.client->send({"SET", "flood", "x"}, full);
  CHECK(env.cmd({"PING"}).error != redis::redis_errc::ok);
  CHECK(full->broken);
  server.thaw();
}

TEST_CASE("two-tier store: what one instance stores, another finds, and keeps locally", "[redis][integration]") {
  test::redis_server server;
  client_env env(server.port());
  REQUIRE(env.wait_up());
  const cache_limits limits{60s, 100, 1 << 20, 4};
  cluster::shared_answer_store a(limits, env.client), b(limits, env.client);
  cached_answer answer;
  answer.answer = "BIST 100, Borsa İstanbul'un ana endeksidir. 📈";
  answer.model = "m";
  answer.finish_reason = "stop";
  answer.question = "BIST 100 nedir?";
  answer.reasoning = "Kullanıcı endeksi soruyor; kısa yanıtlayayım.";
  a.store(key_of(1), answer);
  CHECK(b.find_local(key_of(1)) == nullptr);
  std::shared_ptr<const cached_answer> found;
  for (int i = 0; i < 100 && !found; ++i) {  // the store does not wait for Redis
    found = env.run(b.find_shared(key_of(1), clock_type::now() + 1s));
    if (!found) std::this_thread::sleep_for(10ms);
  }
  REQUIRE(found);
  CHECK(found->answer == answer.answer);
  CHECK(found->question == answer.question);
  CHECK(found->reasoning == answer.reasoning);  // what a /v1 replay shows of a reasoning model
  CHECK(b.find_local(key_of(1)) != nullptr);  // a shared hit fills the local tier
  CHECK(b.stats().shared_hits == 1);
  CHECK(env.run(b.find_shared(key_of(2), clock_type::now() + 1s)) == nullptr);
  // A value that is not an entry of ours is a miss, never a guess.
  CHECK(env.cmd({"SET", cluster::key_prefix(key_of(3)) + "a", "not an entry"}).ok());
  CHECK(env.run(b.find_shared(key_of(3), clock_type::now() + 1s)) == nullptr);
  CHECK(b.stats().shared_failures == 1);
  // Redis down: a miss at once.
  server.kill_now();
  REQUIRE(env.wait_up(false));
  const auto started = clock_type::now();
  CHECK(env.run(b.find_shared(key_of(4), clock_type::now() + 1s)) == nullptr);
  CHECK(clock_type::now() - started < 40ms);
}

TEST_CASE("rate limit: one budget for two instances through Redis, and each alone without it", "[redis][integration]") {
  test::redis_server server;
  client_env env(server.port());
  REQUIRE(env.wait_up());
  cluster::rate_limiter one({3, 0}, env.client), two({3, 0}, env.client);
  CHECK(env.run(one.check("ip:1")).allowed);
  CHECK(env.run(two.check("ip:1")).allowed);
  const auto third = env.run(one.check("ip:1"));
  CHECK(third.allowed);
  CHECK(third.shared);
  CHECK(third.remaining_requests == 0);
  const auto fourth = env.run(two.check("ip:1"));
  CHECK_FALSE(fourth.allowed);
  CHECK(fourth.retry_after_ms > 19'000);  // 3 per minute: one back every 20 s
  CHECK(fourth.retry_after_ms <= 20'000);
  CHECK(env.run(one.check("ip:2")).allowed);  // another client, another budget
  CHECK(two.stats().limited_requests == 1);
  // Tokens: charged after the answer, shared too.
  cluster::rate_limiter t1({0, 100}, env.client), t2({0, 100}, env.client);
  CHECK(env.run(t1.check("k:a")).allowed);
  t1.charge("k:a", 150);
  bool refused = false;
  for (int i = 0; i < 100 && !refused; ++i) {  // the charge is not waited for
    refused = !env.run(t2.check("k:a")).allowed;
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  CHECK(refused);
  // Without Redis each instance counts alone.
  server.kill_now();
  REQUIRE(env.wait_up(false));
  cluster::rate_limiter local({2, 0}, env.client);
  CHECK(env.run(local.check("ip:9")).allowed);
  const auto v = env.run(local.check("ip:9"));
  CHECK(v.allowed);
  CHECK_FALSE(v.shared);
  CHECK_FALSE(env.run(local.check("ip:9")).allowed);
}
