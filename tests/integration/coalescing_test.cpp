// Request coalescing end to end: concurrent requests for one question share one upstream call.
// Concurrency is made deterministic with groq-sim's gates: the upstream holds its answer until the
// test has seen every client attached, then releases it.
#include "support/client_threads.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <thread>

using namespace test;
namespace json = boost::json;

namespace {

bool is_delta(const gateway::sse_event& ev) { return ev.data.find("\"delta\"") != std::string::npos; }

using clients = client_threads;

// `n` streams of one question whose upstream holds its answer at a gate after the first token: the
// first request leads; the others join once its first delta is out. attached: every client got its
// first delta while the answer was held. release() opens the gate and waits for every stream.
struct gated_streams {
  std::vector<stream_result> results;
  std::atomic<int> first_deltas{0};
  clients group;
  bool attached = false;

  gated_streams(test_env& env, const std::string& question, int n) : results(n) {
    auto run = [&, question](int i) {
      return [&, question, i] {
        bool seen = false;
        results[i] = env.chat_stream(chat_body(question, true), [&](const auto& ev) {
          if (!seen && is_delta(ev)) {
            seen = true;
            ++first_deltas;
          }
          return true;
        });
      };
    };
    group.add(run(0));
    const bool leading = test_env::eventually([&] { return first_deltas == 1; });
    for (int i = 1; i < n && leading; ++i) group.add(run(i));
    attached = leading && test_env::eventually([&] { return first_deltas == n; });
  }
  void release(test_env& env, const std::string& gate) {
    env.sim().open_gate(gate);
    group.join();
  }
};

std::size_t count(const std::string& haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + needle.size())) ++n;
  return n;
}

}  // namespace

TEST_CASE("coalescing: 50 concurrent identical streams make one upstream call, all answered incrementally",
          "[integration][coalescing]") {
  test_env env;
  constexpr int n = 50;
  const std::string question = "Enflasyon nedir? [[sim gate=fifty]]";
  std::vector<stream_result> results(n);
  std::atomic<int> first_deltas{0}, before_release{0};
  std::atomic<bool> released{false};
  clients group;
  auto run = [&](int i) {
    return [&, i] {
      bool seen = false;
      results[i] = env.chat_stream(chat_body(question, true), [&](const auto& ev) {
        if (!seen && is_delta(ev)) {
          seen = true;
          if (!released) ++before_release;
          ++first_deltas;
        }
        return true;
      });
    };
  };
  group.add(run(0));
  const bool leader_streaming = test_env::eventually([&] { return first_deltas == 1; });
  for (int i = 1; i < n && leader_streaming; ++i) group.add(run(i));
  const bool all_attached =
      leader_streaming && test_env::eventually([&] { return first_deltas == n; }, std::chrono::seconds(20));
  const auto upstream_calls_while_held = env.sim().stats().completions;
  released = true;
  env.sim().open_gate("fifty");
  group.join();

  REQUIRE(leader_streaming);
  REQUIRE(all_attached);
  CHECK(upstream_calls_while_held == 1);
  // Every client got the first delta while the upstream was still held at the gate: incremental.
  CHECK(before_release == n);
  int misses = 0, coalesced = 0;
  for (const auto& r : results) {
    REQUIRE(r.status == 200);
    CHECK(r.text == expected_answer(question));
    CHECK(r.saw_done);
    CHECK(r.saw_done_marker);
    CHECK_FALSE(r.error);
    misses += r.headers.at("x-cache") == "MISS";
    coalesced += r.headers.at("x-cache") == "COALESCED";
  }
  CHECK(misses == 1);
  CHECK(coalesced == n - 1);
  CHECK(env.sim().stats().completions == 1);
  const auto st = env.gateway().coalescing();
  CHECK(st.led == 1);
  CHECK(st.coalesced == n - 1);
  CHECK(st.in_flight == 0);
  // And the answer is cached now.
  CHECK(env.chat(chat_body(question)).headers.at("x-cache") == "HIT");
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("coalescing: JSON and streaming requests share one call whichever comes first",
          "[integration][coalescing]") {
  test_env env;
  const std::string question = "Faiz kararı borsayı nasıl etkiler? [[sim hold=json-first]]";
  http_result leader;
  stream_result follower;
  clients group;
  group.add([&] { leader = env.chat(chat_body(question)); });
  const bool leading = test_env::eventually([&] { return env.gateway().coalescing().led == 1; });
  if (leading) group.add([&] { follower = env.chat_stream(chat_body(question, true)); });
  const bool joined = leading && test_env::eventually([&] { return env.gateway().coalescing().coalesced == 1; });
  env.sim().open_gate("json-first");
  group.join();

  REQUIRE(joined);
  REQUIRE(leader.status == 200);
  CHECK(leader.headers.at("x-cache") == "MISS");
  REQUIRE(follower.status == 200);
  CHECK(follower.headers.at("x-cache") == "COALESCED");
  // The JSON leader's upstream call was not streamed: the follower gets the finished answer as deltas.
  CHECK(follower.text == str(leader.json().at("answer")));
  CHECK(follower.saw_done_marker);
  const auto done = json::parse(follower.events[follower.events.size() - 2].data);
  CHECK(done.at("cached") == false);
  CHECK(done.at("usage") == leader.json().at("usage"));
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("coalescing: an upstream error before the answer reaches every waiter alike",
          "[integration][coalescing]") {
  test_env env(with_gateway([](auto& c) { c.upstream_max_retries = 0; }));  // the 429 is final
  const std::string question = "Dolar ne olur? [[sim hold=limit status=429 retry_after=7]]";
  std::vector<http_result> json_results(3);
  std::vector<stream_result> stream_results(3);
  clients group;
  group.add([&] { json_results[0] = env.chat(chat_body(question)); });
  const bool leading = test_env::eventually([&] { return env.gateway().coalescing().led == 1; });
  for (int i = 1; i < 3 && leading; ++i) group.add([&, i] { json_results[i] = env.chat(chat_body(question)); });
  for (int i = 0; i < 3 && leading; ++i)
    group.add([&, i] { stream_results[i] = env.chat_stream(chat_body(question, true)); });
  const bool joined = leading && test_env::eventually([&] { return env.gateway().coalescing().coalesced == 5; });
  env.sim().open_gate("limit");
  group.join();

  REQUIRE(joined);
  for (const auto& r : json_results) {
    CHECK(r.status == 429);
    CHECK(r.headers.at("retry-after") == "7");
    CHECK(r.json().at("error").at("code") == "rate_limited");
  }
  // Streaming followers had not started their stream: they get the same HTTP error, not an event.
  for (const auto& r : stream_results) {
    CHECK(r.status == 429);
    CHECK(r.headers.at("retry-after") == "7");
    CHECK(r.headers.at("x-cache") == "COALESCED");
    CHECK(json::parse(r.body).at("error").at("code") == "rate_limited");
  }
  CHECK(env.sim().stats().completions == 1);
  // Nothing was cached: the next request goes upstream again (and gets the 429 again).
  CHECK(env.chat(chat_body(question)).headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().completions == 2);
}

TEST_CASE("coalescing: a mid-stream failure of the leader ends every follower's stream with the error",
          "[integration][coalescing]") {
  test_env env;
  const std::string question = "Altın yükselir mi? [[sim gate=fail error_after=1]]";
  gated_streams streams(env, question, 4);
  streams.release(env, "fail");

  REQUIRE(streams.attached);
  for (const auto& r : streams.results) {
    REQUIRE(r.status == 200);
    REQUIRE(r.error);
    CHECK(r.error->at("code") == "upstream_error");
    CHECK(r.error->at("message") == streams.results[0].error->at("message"));
    CHECK_FALSE(r.saw_done);
    CHECK_FALSE(r.saw_done_marker);
  }
  CHECK(env.sim().stats().completions == 1);
  CHECK(env.chat(chat_body(question)).headers.at("x-cache") == "MISS");  // not cached
}

TEST_CASE("coalescing: the leader's client leaving does not cut the answer for the followers",
          "[integration][coalescing]") {
  test_env env;
  const std::string question = "Hisse senedi nedir? [[sim gate=leave interval=20]]";
  stream_result leader, follower;
  std::atomic<int> leader_deltas{0}, follower_deltas{0};
  clients group;
  // The leader hangs up at its second delta, after the gate, while the upstream keeps producing.
  group.add([&] {
    leader = env.chat_stream(chat_body(question, true), [&](const auto& ev) { return !is_delta(ev) || ++leader_deltas < 2; });
  });
  const bool leading = test_env::eventually([&] { return leader_deltas == 1; });
  if (leading)
    group.add([&] {
      follower = env.chat_stream(chat_body(question, true), [&](const auto& ev) {
        if (is_delta(ev)) ++follower_deltas;
        return true;
      });
    });
  const bool joined = leading && test_env::eventually([&] { return follower_deltas == 1; });
  env.sim().open_gate("leave");
  group.join();

  REQUIRE(joined);
  CHECK(leader.closed_by_client);
  REQUIRE(follower.status == 200);
  CHECK(follower.text == expected_answer(question));
  CHECK(follower.saw_done_marker);
  CHECK_FALSE(follower.error);
  const auto st = env.sim().stats();
  CHECK(st.completions == 1);
  CHECK(st.streams_completed == 1);
  CHECK(st.streams_aborted == 0);
  CHECK(env.chat(chat_body(question)).headers.at("x-cache") == "HIT");  // the answer was stored
}

TEST_CASE("coalescing: when every client has gone, the upstream call is cancelled",
          "[integration][coalescing]") {
  test_env env;
  const std::string question = "Kripto para nedir? [[sim gate=all-gone interval=100]]";
  std::atomic<int> leader_deltas{0}, follower_deltas{0};
  clients group;
  group.add([&] {
    env.chat_stream(chat_body(question, true), [&](const auto& ev) { return !is_delta(ev) || ++leader_deltas < 2; });
  });
  const bool leading = test_env::eventually([&] { return leader_deltas == 1; });
  if (leading)
    group.add([&] {
      env.chat_stream(chat_body(question, true), [&](const auto& ev) { return !is_delta(ev) || ++follower_deltas < 5; });
    });
  const bool joined = leading && test_env::eventually([&] { return follower_deltas == 1; });
  env.sim().open_gate("all-gone");
  group.join();

  REQUIRE(joined);
  // The 48-token answer takes ~4.8 s upstream; both clients left within ~0.5 s.
  CHECK(test_env::eventually([&] { return env.sim().stats().streams_aborted == 1; }));
  CHECK(env.sim().stats().streams_completed == 0);
  CHECK(env.gateway().coalescing().in_flight == 0);
}

TEST_CASE("coalescing: while the upstream is silent, the leader's and each follower's stream get keep-alive comments",
          "[integration][coalescing][keepalive]") {
  test_env env(with_gateway([](auto& c) { c.sse_keepalive_interval = std::chrono::milliseconds(50); }));
  // The first token, then the upstream holds the rest at the gate: silence for every client.
  const std::string question = "Altın nedir? [[sim gate=quiet]]";
  constexpr int n = 3;
  gated_streams streams(env, question, n);
  // Eight intervals of silence for everyone attached (the check below asks for two comments).
  if (streams.attached) std::this_thread::sleep_for(std::chrono::milliseconds(400));
  streams.release(env, "quiet");

  REQUIRE(streams.attached);
  int coalesced = 0;
  for (const auto& r : streams.results) {
    REQUIRE(r.status == 200);
    INFO(r.headers.at("x-cache"));
    CHECK(count(r.body, ": keep-alive\n\n") >= 2);
    CHECK(r.text == expected_answer(question));
    CHECK(r.saw_done_marker);
    CHECK_FALSE(r.error);
    coalesced += r.headers.at("x-cache") == "COALESCED";
  }
  CHECK(coalesced == n - 1);
  CHECK(env.sim().stats().completions == 1);
}
