// lib/transport/upstream_pool, directly, with real loopback sockets: the newest idle connection is
// taken first; a connection the server closed, one with unexpected bytes waiting, and one idle past
// max_idle_age are never handed out again (counted as stale and closed); a full pool closes what is
// given back; counters say what happened.
#include "transport/upstream_pool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <poll.h>
#include <thread>
#include <vector>

using namespace gateway;
using tcp = boost::asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// Connected socket pairs on loopback: the pool's side and the "server's".
struct loopback {
  boost::asio::io_context ioc;
  tcp::acceptor acceptor{ioc, {boost::asio::ip::make_address("127.0.0.1"), 0}};
  std::vector<tcp::socket> servers;

  std::unique_ptr<upstream_connection> connect(std::uint64_t id) {
    tcp::socket client(ioc);
    client.connect(acceptor.local_endpoint());
    servers.push_back(acceptor.accept());
    return std::make_unique<upstream_connection>(id, std::move(client));
  }
};

}  // namespace

TEST_CASE("upstream pool: the newest idle connection first, the oldest closed when full",
          "[upstream][pool]") {
  loopback net;
  upstream_pool pool(2);
  CHECK(pool.take() == nullptr);
  pool.give_back(net.connect(1));
  pool.give_back(net.connect(2));
  auto third = net.connect(3);
  auto& third_socket = third->socket();
  pool.give_back(std::move(third));  // full: closed, not kept
  CHECK(pool.stats().idle == 2);
  (void)third_socket;
  auto a = pool.take();
  REQUIRE(a);
  CHECK(a->id == 2);  // the most recently used: its TLS session and buffers are the warmest
  auto b = pool.take();
  REQUIRE(b);
  CHECK(b->id == 1);
  CHECK(pool.take() == nullptr);
  CHECK(pool.stats().reused == 2);
  CHECK(pool.stats().discarded_stale == 0);
  // The connection the full pool refused was closed: its server sees the end.
  char byte;
  boost::system::error_code ec;
  net.servers[2].read_some(boost::asio::buffer(&byte, 1), ec);
  CHECK(ec == boost::asio::error::eof);
}

TEST_CASE("upstream pool: a connection the server closed or wrote to is never reused",
          "[upstream][pool]") {
  loopback net;
  upstream_pool pool(8);
  std::vector<int> fds;
  for (std::uint64_t id : {1, 2, 3}) {
    auto c = net.connect(id);
    fds.push_back(c->socket().native_handle());
    pool.give_back(std::move(c));
  }
  net.servers[0].close();  // the server closes connection 1
  boost::asio::write(net.servers[1],
                     boost::asio::buffer(std::string("HTTP/1.1 408 Request Timeout\r\n\r\n")));
  // Waits until the FIN and the bytes have reached the pool's sockets (3 stays quiet).
  for (int i = 0; i < 2; ++i) {
    pollfd p{fds[i], POLLIN, 0};
    REQUIRE(::poll(&p, 1, 2000) == 1);
  }
  auto c = pool.take();
  REQUIRE(c);
  CHECK(c->id == 3);
  CHECK(pool.take() == nullptr);  // 2 and 1 were looked at and dropped
  const auto s = pool.stats();
  CHECK(s.reused == 1);
  CHECK(s.discarded_stale == 2);
  CHECK(s.idle == 0);
}

TEST_CASE("upstream pool: a connection idle past max_idle_age is not reused", "[upstream][pool]") {
  loopback net;
  upstream_pool pool(8, 30ms);
  pool.give_back(net.connect(1));
  std::this_thread::sleep_for(60ms);
  CHECK(pool.take() == nullptr);
  CHECK(pool.stats().discarded_stale == 1);
  pool.give_back(net.connect(2));
  auto fresh = pool.take();
  REQUIRE(fresh);
  CHECK(fresh->id == 2);
}

TEST_CASE("upstream pool: ids, leases and resumed handshakes are counted", "[upstream][pool]") {
  upstream_pool pool(4);
  CHECK(pool.next_id() == 1);
  CHECK(pool.next_id() == 2);
  pool.leased();
  pool.leased();
  pool.released();
  pool.resumed();
  const auto s = pool.stats();
  CHECK(s.created == 2);
  CHECK(s.in_use == 1);
  CHECK(s.tls_resumed == 1);
}
