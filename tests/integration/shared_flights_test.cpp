// Coalescing across two instances over a real redis-server (lib/cluster/shared_flights): when the
// leader's Redis connection is cut mid-stream, the pieces it sends meanwhile are lost, and the
// follower on the other instance must end with an error event - never serve, nor store, what is
// left of the answer (issue 35: "nothing shortened is ever stored").
#include "redis/redis_address.hpp"
#include "support/client_threads.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>

using namespace test;

namespace {

gateway::redis::redis_address redis_at(const redis_server& server) {
  std::string why;
  auto address = gateway::redis::parse_redis_url(server.url(), why);
  REQUIRE(address);
  return *address;
}

bool redis_up(test_env& env) {
  return env.request("GET", "/metrics", {}, {}).body.find("gateway_redis_up 1\n") !=
         std::string::npos;
}

bool is_delta(const gateway::sse_event& ev) {
  return ev.data.find("\"delta\"") != std::string::npos;
}

using clients = client_threads;

// Kills the connections whose last command was one only a leader sends (its stream's XADD and
// PEXPIRE, its lock's heartbeat): the leading instance's pipelined connection, nothing else.
int kill_leader_connection(const redis_server& server) {
  std::istringstream clients(server.call("CLIENT LIST"));
  int killed = 0;
  for (std::string line; std::getline(clients, line);) {
    if (line.find(" cmd=xadd ") == std::string::npos &&
        line.find(" cmd=pexpire ") == std::string::npos)
      continue;
    const auto id = line.substr(3, line.find(' ') - 3);  // "id=N ..."
    if (server.call("CLIENT KILL ID " + id) == ":1") ++killed;
  }
  return killed;
}

}  // namespace

TEST_CASE(
    "shared flights: a piece the leader lost to a Redis reconnect fails the follower, and nothing "
    "shortened is stored",
    "[integration][coalescing][redis]") {
  redis_server server;
  const auto shared = [&](gateway::gateway_config& c) {
    c.redis = redis_at(server);
    c.redis_timeout =
        std::chrono::seconds(5);  // a loaded test machine must not turn a hit into a miss
  };
  test_env one(with_gateway(shared)), two(with_gateway(shared));
  for (auto* env : {&one, &two}) REQUIRE(test_env::eventually([&] { return redis_up(*env); }));

  // Paced after the gate, so that pieces go both while the leader's connection is down and after
  // it is back: the follower sees numbers skipped, not only an end that never comes.
  const std::string question = "Altın neden yükseliyor? [[sim gate=cut interval=20]]";
  stream_result led, followed;
  std::atomic<bool> leader_started{false}, follower_started{false};
  clients group;
  group.add([&] {
    led = one.chat_stream(chat_body(question, true), [&](const auto& ev) {
      if (is_delta(ev)) leader_started = true;
      return true;
    });
  });
  // The follower joins once the leader's first piece is in the stream, and reads it.
  const bool leading = test_env::eventually([&] { return leader_started.load(); });
  if (leading)
    group.add([&] {
      followed = two.chat_stream(chat_body(question, true), [&](const auto& ev) {
        if (is_delta(ev)) follower_started = true;
        return true;
      });
    });
  const bool following = leading && test_env::eventually([&] { return follower_started.load(); });
  const int killed = following ? kill_leader_connection(server) : 0;
  one.sim().open_gate("cut");
  group.join();

  REQUIRE(following);
  REQUIRE(killed == 1);
  // The leader read its own upstream: its client has the whole answer.
  REQUIRE(led.status == 200);
  CHECK_FALSE(led.error);
  CHECK(led.saw_done);
  CHECK(led.text == expected_answer(question));
  // The follower read the copy with holes: an error event in /chat's shape, no end.
  REQUIRE(followed.status == 200);
  CHECK(followed.headers.at("x-cache") == "COALESCED");
  REQUIRE(followed.error);
  CHECK(followed.error->at("code") == "upstream_error");
  CHECK_FALSE(followed.saw_done);
  CHECK(followed.text != led.text);
  CHECK(two.sim().stats().completions == 0);
  // Seen as a gap (pieces came after the reconnect), not only as the leader's own "pieces lost".
  CHECK(two.request("GET", "/metrics", {}, {}).body.find("gateway_shared_stream_gaps_total 1\n") !=
        std::string::npos);

  // Later, the question on the follower's instance: not its shortened copy (it kept none) but
  // the leader's whole answer, from the shared tier once the leader has stored it there.
  REQUIRE(test_env::eventually([&] { return server.keys("cgw:*:a") >= 1; }));
  const auto again = two.chat_stream(chat_body(question, true));
  REQUIRE(again.status == 200);
  CHECK_FALSE(again.error);
  CHECK(again.headers.at("x-cache") == "HIT");
  CHECK(again.text == led.text);
  CHECK(two.sim().stats().completions == 0);
}
