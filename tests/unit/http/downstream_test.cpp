// lib/http/downstream, directly, over a loopback connection: the held-back head goes out with the
// first write; chunked and HTTP/1.0 framing; the stream's end in one write; keep-alive comments
// fall due after an interval without a write and wake the writer (as the relay's upstream wait and
// a follower's timer are woken), and any write moves the clock on; a client that stops reading is
// cut at the write deadline; the watch sees a client close.
#include "http/downstream.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/beast/core/error.hpp>
#include <catch2/catch.hpp>

#include "support/run_until.hpp"

#include <chrono>
#include <string>
#include <vector>

using namespace gateway;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

struct connection {
  asio::io_context ioc;
  asio::any_io_executor strand = ioc.get_executor();
  tcp::socket client{ioc};
  beast::tcp_stream server{ioc};
  downstream::settings settings{200ms, 40ms};

  connection() {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    server.socket() = acceptor.accept();
  }

  // Runs `coro` on the context until it returns (or two seconds pass).
  template <class Coro>
  void run(Coro&& coro) {
    bool done = false;
    asio::co_spawn(ioc, [&]() -> asio::awaitable<void> {
      co_await coro();
      done = true;
    }, asio::detached);
    run_until([&] { return done; });
    REQUIRE(done);
  }
  template <class Done>
  void run_until(Done&& done) {
    test::run_until(ioc, done);
  }
  // What the client has been sent so far (at least `n` bytes).
  std::string read(std::size_t n) {
    std::string got(n, '\0');
    asio::read(client, asio::buffer(got));
    return got;
  }
};

const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";

// No co_await inside Catch's macros: GCC 12 evaluates a co_await operand of `&&` even when the
// left side is false, and the macros expand their expression a second time inside one.

}  // namespace

TEST_CASE("downstream: the head goes out with the first event, the end in one write", "[http][downstream]") {
  connection c;
  downstream down(c.server, c.strand);
  down.begin_stream(head, true, c.settings);
  CHECK(down.streaming());
  CHECK(down.head_pending());
  const std::string event = "data: a\n\n";
  const asio::const_buffer buffer = asio::buffer(event);
  boost::system::error_code ec;
  CHECK(down.try_write(std::span<const asio::const_buffer>(&buffer, 1), ec));  // the client keeps up
  CHECK_FALSE(ec);
  CHECK_FALSE(down.head_pending());
  CHECK(c.read(head.size() + 14) == head + "9\r\ndata: a\n\n\r\n");
  c.run([&]() -> asio::awaitable<void> { ec = co_await down.end("data: [DONE]\n\n"); });
  CHECK_FALSE(ec);
  CHECK(c.read(24) == "e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n");
  CHECK(down.bytes() == event.size() + 14);  // the body, unframed; the head is not counted
}

TEST_CASE("downstream: a head alone, an empty write, and HTTP/1.0's raw bytes", "[http][downstream]") {
  connection c;
  downstream down(c.server, c.strand);
  down.begin_stream(head, false, c.settings);  // HTTP/1.0: the body ends with the connection
  std::vector<boost::system::error_code> results;
  c.run([&]() -> asio::awaitable<void> {
    results.push_back(co_await down.write(std::string_view{}));  // the head, nothing else
    results.push_back(co_await down.write(std::string_view{}));  // nothing at all
    results.push_back(co_await down.write("data: b\n\n"));
    results.push_back(co_await down.end("data: c\n\n"));
  });
  CHECK(results == std::vector<boost::system::error_code>(4));
  CHECK(c.read(head.size() + 18) == head + "data: b\n\ndata: c\n\n");
  CHECK_FALSE(down.chunked());
}

TEST_CASE("downstream: a keep-alive comment falls due after an interval without a write and wakes the writer",
          "[http][downstream][keepalive]") {
  connection c;
  downstream down(c.server, c.strand);
  down.begin_stream(head, true, c.settings);
  // The writer waits as the relay waits on the upstream (or a follower on its flight): on a timer
  // that the comment falling due cancels.
  asio::steady_timer upstream(c.ioc);
  int wakes = 0;
  std::vector<boost::system::error_code> results;
  std::vector<bool> due_before_wait, due_after_wait;
  bool due_after_write = true;
  clock_type::duration took{};
  c.run([&]() -> asio::awaitable<void> {
    results.push_back(co_await down.write(std::string_view{}));  // the head
    // Read before the clock is armed: the first comment falls due an interval after keep_alive()
    // reads its own time, which a thread preempted in between would otherwise put before `start`.
    const auto start = clock_type::now();
    down.keep_alive([&] {
      ++wakes;
      upstream.cancel();
    });
    int comments = 0;
    while (comments < 3) {
      due_before_wait.push_back(down.keepalive_due());
      upstream.expires_after(10s);  // "the upstream" stays silent
      co_await upstream.async_wait(asio::as_tuple(asio::use_awaitable));
      due_after_wait.push_back(down.keepalive_due());
      results.push_back(co_await down.write_keepalive());
      ++comments;
    }
    took = clock_type::now() - start;
    // A write moves the clock on: no comment is due right after one.
    results.push_back(co_await down.write("data: x\n\n"));
    due_after_write = down.keepalive_due();
    down.stop_keep_alive();
  });
  CHECK(results == std::vector<boost::system::error_code>(5));
  CHECK(due_before_wait == std::vector<bool>{false, false, false});
  CHECK(due_after_wait == std::vector<bool>{true, true, true});
  CHECK_FALSE(due_after_write);
  CHECK(took >= 3 * c.settings.keepalive_interval);
  CHECK(wakes == 3);
  const std::string comment = "e\r\n: keep-alive\n\n\r\n";
  CHECK(c.read(head.size() + 3 * comment.size() + 14) == head + comment + comment + comment + "9\r\ndata: x\n\n\r\n");
  // Stopped: nothing more falls due.
  c.ioc.run_for(3 * c.settings.keepalive_interval);
  CHECK(wakes == 3);
  CHECK_FALSE(down.keepalive_due());
}

TEST_CASE("downstream: a client that stops reading is cut at the write deadline", "[http][downstream]") {
  connection c;
  downstream down(c.server, c.strand);
  down.begin_stream(head, true, c.settings);
  const std::string big(8 << 20, 'x');  // far more than both socket buffers hold
  const asio::const_buffer buffer = asio::buffer(big);
  boost::system::error_code ec;
  REQUIRE_FALSE(down.try_write(std::span<const asio::const_buffer>(&buffer, 1), ec));  // part of it
  const auto start = clock_type::now();
  c.run([&]() -> asio::awaitable<void> { ec = co_await down.write_rest(); });
  CHECK(ec == beast::error::timeout);
  CHECK(clock_type::now() - start >= c.settings.write_timeout);
  CHECK(down.bytes() == 0);  // not written whole
}

TEST_CASE("downstream: the watch sees the client close, and never runs after stop_watching()",
          "[http][downstream]") {
  connection c;
  int gone = 0;
  {
    downstream down(c.server, c.strand);
    down.watch([&] { ++gone; });
    c.client.close();
    c.run_until([&] { return gone > 0; });
    CHECK(gone == 1);
  }
  connection d;
  {
    downstream down(d.server, d.strand);
    down.watch([&] { ++gone; });
    down.stop_watching();
    d.client.close();
    d.ioc.run_for(50ms);
  }
  CHECK(gone == 1);
}
