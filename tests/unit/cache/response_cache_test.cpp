#include "cache/cache_key.hpp"
#include "chat/chat_key.hpp"
#include "cache/response_cache.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace gateway;

namespace {
cache_key key_of(int n) {
  cache_key k{};
  k[31] = static_cast<unsigned char>(n);
  k[30] = static_cast<unsigned char>(n >> 8);
  return k;
}
cached_answer answer(std::string text) { return {std::move(text), "m", token_usage{1, 2, 3}, "stop"}; }

struct fake_clock {
  clock_type::time_point now{};
  response_cache::clock_fn fn() {
    return [this] { return now; };
  }
};
}  // namespace

TEST_CASE("cache: store, find, replace", "[cache]") {
  response_cache cache({std::chrono::seconds(300), 10, 1 << 20, 1});
  CHECK_FALSE(cache.find(key_of(1)));
  cache.store(key_of(1), answer("bir"));
  REQUIRE(cache.find(key_of(1)));
  CHECK(cache.find(key_of(1))->answer == "bir");
  cache.store(key_of(1), answer("yeni"));
  CHECK(cache.find(key_of(1))->answer == "yeni");
  const auto st = cache.stats();
  CHECK(st.entries == 1);
  CHECK(st.hits == 3);
  CHECK(st.misses == 1);
}

TEST_CASE("cache: LRU eviction order", "[cache]") {
  response_cache cache({std::chrono::seconds(300), 3, 1 << 20, 1});
  cache.store(key_of(1), answer("1"));
  cache.store(key_of(2), answer("2"));
  cache.store(key_of(3), answer("3"));
  REQUIRE(cache.find(key_of(1)));  // 1 is now the most recently used; 2 is the least
  cache.store(key_of(4), answer("4"));
  CHECK_FALSE(cache.find(key_of(2)));
  CHECK(cache.find(key_of(1)));
  CHECK(cache.find(key_of(3)));
  CHECK(cache.find(key_of(4)));
  CHECK(cache.stats().evictions == 1);
  CHECK(cache.stats().entries == 3);
}

TEST_CASE("cache: TTL expiry with an injected clock", "[cache]") {
  fake_clock clock;
  response_cache cache({std::chrono::seconds(300), 10, 1 << 20, 1}, clock.fn());
  cache.store(key_of(1), answer("1"));
  clock.now += std::chrono::seconds(299);
  CHECK(cache.find(key_of(1)));
  clock.now += std::chrono::seconds(1);
  CHECK_FALSE(cache.find(key_of(1)));
  CHECK(cache.stats().expirations == 1);
  CHECK(cache.stats().entries == 0);
}

TEST_CASE("cache: byte bound", "[cache]") {
  response_cache cache({std::chrono::seconds(300), 100, 2000, 1});
  cache.store(key_of(1), answer(std::string(700, 'a')));
  cache.store(key_of(2), answer(std::string(700, 'b')));
  CHECK(cache.stats().bytes <= 2000);
  cache.store(key_of(3), answer(std::string(700, 'c')));  // does not fit beside both: 1 goes
  CHECK(cache.stats().bytes <= 2000);
  CHECK_FALSE(cache.find(key_of(1)));
  CHECK(cache.find(key_of(3)));
  cache.store(key_of(4), answer(std::string(5000, 'd')));  // larger than the whole budget
  CHECK_FALSE(cache.find(key_of(4)));
  CHECK(cache.find(key_of(3)));
}

TEST_CASE("cache: totals stay within bounds whatever the shard count", "[cache]") {
  response_cache cache({std::chrono::seconds(300), 100, 1 << 20, 16});
  CHECK(cache.shard_count() == 16);
  for (int i = 0; i < 1000; ++i) {
    cache_key k{};
    k[0] = static_cast<unsigned char>(i);  // spread over shards
    k[1] = static_cast<unsigned char>(i >> 8);
    cache.store(k, answer("x"));
  }
  CHECK(cache.stats().entries <= 100);
  CHECK(response_cache({std::chrono::seconds(1), 3, 1 << 20, 16}).shard_count() == 2);
}

TEST_CASE("cache: concurrent use from several threads", "[cache]") {
  response_cache cache({std::chrono::seconds(300), 256, 1 << 20, 8});
  std::atomic<int> wrong{0};  // Catch2 assertions are not thread-safe: count in threads, check after
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < 2000; ++i) {
        cache_key k{};
        k[0] = static_cast<unsigned char>(i % 64);
        k[2] = static_cast<unsigned char>(t);
        if (auto hit = cache.find(k)) wrong += hit->answer != std::to_string(t);
        else cache.store(k, answer(std::to_string(t)));
        if (i % 100 == 0) cache.stats();  // readers of the totals race with writers too
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
  const auto st = cache.stats();
  CHECK(st.hits + st.misses == 8000);
  CHECK(st.entries <= 256);
}

TEST_CASE("cache key: everything that decides the answer is in the key", "[cache]") {
  gateway_config cfg;
  const std::vector<chat_message> none, one = {{"user", "önceki"}};
  const auto base = make_cache_key("bist 100 nedir", none, cfg);
  CHECK(base == make_cache_key("bist 100 nedir", none, cfg));
  CHECK(base != make_cache_key("bist 30 nedir", none, cfg));
  CHECK(base != make_cache_key("bist 100 nedir", one, cfg));
  const chat_key_builder keys(cfg);  // the hashed-once prefix gives the same keys, call after call
  CHECK(keys("bist 100 nedir", none) == base);
  CHECK(keys("bist 100 nedir", none) == base);
  CHECK(keys("bist 100 nedir", one) == make_cache_key("bist 100 nedir", one, cfg));
  for (auto change : std::vector<std::function<void(gateway_config&)>>{
           [](auto& c) { c.model = "other"; }, [](auto& c) { c.system_prompt.clear(); },
           [](auto& c) { c.max_new_tokens = 200; }, [](auto& c) { c.temperature = 0.7; },
           [](auto& c) { c.top_p = 0.9; }}) {
    gateway_config changed;
    change(changed);
    CHECK(base != make_cache_key("bist 100 nedir", none, changed));
  }
}
