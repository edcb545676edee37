// Issue 35, item 1 ("Memory and connection budgets"), over real sockets: past MAX_CONNECTIONS,
// MAX_CONNECTIONS_PER_CLIENT and CONNECTION_RATE_PER_CLIENT a new connection is answered 503 and
// closed at once (never left to wait) and counted; MAX_INFLIGHT_REQUEST_BYTES is charged with the body bytes that arrived (a
// header's promise costs nothing) and a body whose bytes would pass it is refused with 503;
// well-behaved requests are still served meanwhile. Small caps keep the tests quick.
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <fmt/format.h>

#include <memory>
#include <thread>
#include <vector>

using namespace test;
using namespace std::chrono_literals;

namespace {

unsigned status_of(const std::string& reply) {
  return reply.rfind("HTTP/1.1 ", 0) == 0 ? static_cast<unsigned>(std::stoul(reply.substr(9, 3)))
                                          : 0;
}

bool has_header(const std::string& reply, std::string_view line) {
  const auto head = reply.substr(0, reply.find("\r\n\r\n") + 2);  // each line with its CRLF
  return head.find(std::string("\r\n") + std::string(line) + "\r\n") != std::string::npos;
}

// A value of /metrics ("name{labels}" or "name"), -1 when absent.
long long metric(test_env& env, const std::string& series) {
  const auto body = env.request("GET", "/metrics", {}, {}).body;
  const auto at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(body.substr(at + series.size() + 2));
}

// A connection the gateway has accepted and holds open (idle, under KEEPALIVE_TIMEOUT).
std::vector<std::unique_ptr<raw_client>> open_idle(test_env& env, std::size_t n) {
  std::vector<std::unique_ptr<raw_client>> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(std::make_unique<raw_client>(env.port()));
  REQUIRE(test_env::eventually([&] { return env.gateway().open_connections() == n; }));
  return out;
}

// The reply to a connection made now, and how long it took to come and the connection to close.
struct refused_reply {
  std::string text;
  bool closed = false;
  std::chrono::milliseconds took{};
};
refused_reply connect_and_read(unsigned short port) {
  const auto started = std::chrono::steady_clock::now();
  raw_client c(port);
  refused_reply r;
  r.text = c.read_all(&r.closed);  // nothing sent: a refusal comes unasked
  r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 started);
  return r;
}

}  // namespace

TEST_CASE("connections: past MAX_CONNECTIONS a connection gets 503 and is closed at once",
          "[integration][budget][connections]") {
  test_env env(with_gateway([](gateway::gateway_config& c) {
    c.max_connections = 3;
    c.max_connections_per_client = 0;
  }));
  auto held = open_idle(env, 3);
  for (int i = 0; i < 2; ++i) {
    const auto r = connect_and_read(env.port());
    CHECK(status_of(r.text) == 503);
    CHECK(has_header(r.text, "Retry-After: 1"));
    CHECK(has_header(r.text, "Connection: close"));
    CHECK(r.text.find("too_many_connections") != std::string::npos);
    CHECK(r.closed);
    CHECK(r.took < 1s);  // not a backlog wait nor a keep-alive timeout
  }
  CHECK(env.gateway().open_connections() == 3);  // the refused ones were never registered

  // A place freed is a place taken: the scrape below and a chat request are served.
  held.pop_back();
  // One request at a time, each once the last one's close has given its place back (see below).
  const auto two_left = [&] {
    REQUIRE(test_env::eventually([&] { return env.gateway().open_connections() == 2; }));
  };
  two_left();
  CHECK(metric(env, R"(gateway_connections_refused_total{reason="max_connections"})") == 2);
  two_left();
  CHECK(metric(env, R"(gateway_connections_refused_total{reason="per_client"})") == 0);
  two_left();
  CHECK(metric(env, "gateway_connections_max") == 3);
  two_left();
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
}

TEST_CASE("connections: past MAX_CONNECTIONS_PER_CLIENT one address is refused, counted apart",
          "[integration][budget][connections]") {
  test_env env(with_gateway([](gateway::gateway_config& c) {
    c.max_connections = 100;
    c.max_connections_per_client = 2;
  }));
  auto held = open_idle(env, 2);  // both from 127.0.0.1
  const auto r = connect_and_read(env.port());
  CHECK(status_of(r.text) == 503);
  CHECK(r.closed);
  CHECK(r.took < 1s);

  held.pop_back();
  // Each request below comes on a connection of its own from the same address, and the gateway
  // gives that connection's place back only once it has seen the close: wait for it every time, or
  // the next request races the last one's close and is (rightly) refused.
  const auto one_left = [&] {
    REQUIRE(test_env::eventually([&] { return env.gateway().open_connections() == 1; }));
  };
  one_left();
  CHECK(metric(env, R"(gateway_connections_refused_total{reason="per_client"})") == 1);
  one_left();
  CHECK(metric(env, R"(gateway_connections_refused_total{reason="max_connections"})") == 0);
  one_left();
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  // Every connection closed gives its place back: the per-client count goes to zero.
  held.clear();
  REQUIRE(test_env::eventually([&] { return env.gateway().open_connections() == 0; }));
  auto again = open_idle(env, 2);
  CHECK(env.gateway().open_connections() == 2);
}

TEST_CASE("connections: past CONNECTION_RATE_PER_CLIENT a new connection gets 503 before a byte is read",
          "[integration][budget][connections]") {
  test_env env(with_gateway([](gateway::gateway_config& c) {
    c.max_connections_per_client = 0;
    c.connection_rate_per_client = 5;
  }));
  // Twenty connections from 127.0.0.2 opened back to back: the first five are its second's worth,
  // and the rest cannot all be admitted (one place comes back every 200 ms, so all twenty would
  // take three seconds). A refused one gets the 503 unasked, its request never read; an admitted
  // one answers its request.
  std::vector<std::unique_ptr<raw_client>> clients;
  for (int i = 0; i < 20; ++i) clients.push_back(std::make_unique<raw_client>(env.port(), 0, "127.0.0.2"));
  long long refused = 0;
  for (std::size_t i = 0; i < clients.size(); ++i) {
    boost::system::error_code ec;  // a refused connection may be closed before this is sent
    boost::asio::write(clients[i]->socket,
                       boost::asio::buffer(std::string_view("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
                       ec);
    bool closed = false;
    const auto text = clients[i]->read_all(&closed);
    INFO("connection " << i << ": " << text.substr(0, 120));
    CHECK(closed);
    if (i < 5) CHECK(status_of(text) == 200);  // within the burst, whatever the timing
    if (status_of(text) == 503) {
      ++refused;
      CHECK(has_header(text, "Retry-After: 1"));
      CHECK(text.find("too_many_connections") != std::string::npos);
    } else {
      CHECK(status_of(text) == 200);
    }
  }
  CHECK(refused >= 1);
  CHECK(metric(env, R"(gateway_connections_refused_total{reason="rate"})") == refused);
  // Another address is another client: 127.0.0.1 is served meanwhile.
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  CHECK(metric(env, R"(gateway_connections_refused_total{reason="per_client"})") == 0);
  // A quiet second gives 127.0.0.2 its burst back.
  std::this_thread::sleep_for(1100ms);
  raw_client again(env.port(), 0, "127.0.0.2");
  again.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(status_of(again.read_all()) == 200);
}

TEST_CASE(
    "in-flight bodies: MAX_INFLIGHT_REQUEST_BYTES holds the bytes that came, and a body past it "
    "gets 503",
    "[integration][budget][connections]") {
  test_env env(with_gateway([](gateway::gateway_config& c) {
    c.max_body_bytes = 64 * 1000;
    c.max_inflight_request_bytes = 65 * 1000;
  }));
  // Promises cost nothing: five headers announcing 60,000 bytes each (4.6 times the budget), 22
  // body bytes sent, hold a few bytes each and shut out nobody.
  std::vector<std::unique_ptr<raw_client>> promisers;
  for (int i = 0; i < 5; ++i) {
    promisers.push_back(std::make_unique<raw_client>(env.port()));
    promisers.back()->send(
        "POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
        "60000\r\n\r\n{\"question\": \"BIST 100 ");
  }
  REQUIRE(test_env::eventually([&] { return metric(env, "gateway_inflight_request_bytes") > 0; }));
  CHECK(metric(env, "gateway_inflight_request_bytes") <= 5 * 64);
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);

  // A slow client that did send 60,000 bytes of a 64,000-byte body holds its body's buffer: at
  // most the 64,000 its header states (a stated length is the buffer's ceiling).
  raw_client slow(env.port());
  // Appended, not `"..." + std::string(...)`: GCC 12 warns falsely (-Warray-bounds) on that.
  std::string partial =
      "POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
      "64000\r\n\r\n";
  partial.append(60000, ' ');
  slow.send(partial);
  REQUIRE(
      test_env::eventually([&] { return metric(env, "gateway_inflight_request_bytes") >= 64000; }));
  CHECK(metric(env, "gateway_inflight_request_bytes") <= 64000 + 5 * 64);

  for (const std::string path : {"/chat", "/v1/chat/completions"}) {
    INFO(path);
    // 2,000 body bytes of 50,000 do not fit in what is left (under 1,000): refused on arrival,
    // before the rest is sent, and the connection ends.
    raw_client big(env.port());
    const auto started = std::chrono::steady_clock::now();
    big.send(fmt::format("POST {} HTTP/1.1\r\nHost: t\r\nContent-Type: "
                         "application/json\r\nContent-Length: 50000\r\n\r\n",
                         path) +
             std::string(2000, ' '));
    bool closed = false;
    const auto reply = big.read_all(&closed);
    CHECK(status_of(reply) == 503);
    CHECK(has_header(reply, "Retry-After: 1"));
    CHECK(reply.find("\"overloaded\"") != std::string::npos);
    CHECK(closed);
    CHECK(std::chrono::steady_clock::now() - started < 1s);
  }
  // A small request still fits beside the slow one and is served.
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  CHECK(metric(env, "gateway_inflight_request_bytes_refused_total") == 2);
  CHECK(metric(env, "gateway_inflight_request_bytes_max") == 65000);

  // The clients leave: what they held is given back.
  slow.socket.close();
  promisers.clear();
  REQUIRE(test_env::eventually([&] { return metric(env, "gateway_inflight_request_bytes") == 0; }));
  raw_client big(env.port());
  std::string whole =
      "POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: "
      "50000\r\nConnection: close\r\n\r\n";
  whole.append(50000, ' ');
  big.send(whole);
  CHECK(status_of(big.read_all()) ==
        400);  // read and judged (not JSON), no longer refused for the budget
}
