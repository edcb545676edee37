// lib/tls/lean_tls_stream, directly, against a blocking asio::ssl::stream server on loopback with a
// self-signed certificate: the handshake verifies the name (a wrong one fails), try_write sends a
// request in one call, try_read never waits (0 and a readable wait when nothing is there; drained()
// says so), async_read_some waits for bytes that come late, release_buffers() between reads loses
// nothing, and the server's close_notify reads as eof.
#include "tls/lean_tls_stream.hpp"
#include "tls/self_signed.hpp"
#include "tls/tls_context.hpp"

#include "support/accept_thread.hpp"
#include "support/temp_file.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

using namespace gateway;
using tcp = boost::asio::ip::tcp;
namespace ssl = boost::asio::ssl;
using namespace std::chrono_literals;

namespace {

// A TLS server for one connection at a time on its own thread: handshake, then `script`.
struct tls_server {
  using script_fn = std::function<void(ssl::stream<tcp::socket>&)>;
  explicit tls_server(script_fn script)
      : pem(make_self_signed({"localhost", "127.0.0.1"})),
        ca(pem.certificate),
        ctx(make_server_tls_context(pem.certificate, pem.private_key)),
        accept(server_ioc, [this, script = std::move(script)](tcp::socket s) {
          ssl::stream<tcp::socket> tls(std::move(s), ctx);
          boost::system::error_code ec;
          tls.handshake(ssl::stream_base::server, ec);
          if (!ec) script(tls);
        }) {}
  boost::asio::io_context server_ioc;
  pem_pair pem;
  test::temp_file ca;
  ssl::context ctx;
  test::accept_thread accept;
};

// A connected client stream, its handshake done (or failed into `ec`).
// (The stream is neither copied nor moved: it is held where it was made.)
std::unique_ptr<lean_tls_stream> connect(boost::asio::io_context& ioc, ssl::context& ctx,
                                         unsigned short port, const std::string& host,
                                         boost::system::error_code& ec) {
  tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  auto stream = std::make_unique<lean_tls_stream>(std::move(socket), ctx);
  stream->set_host(host, host == "127.0.0.1");
  bool done = false;
  stream->async_handshake([&](boost::system::error_code e) {
    ec = e;
    done = true;
  });
  ioc.run_for(5s);
  ioc.restart();
  if (!done) ec = boost::asio::error::timed_out;
  return stream;
}

// One asynchronous read, run to its end (a read that never completes fails the test).
template <std::size_t N>
std::size_t read_some(boost::asio::io_context& ioc, lean_tls_stream& stream, char (&buf)[N],
                      boost::system::error_code& ec) {
  bool done = false;
  std::size_t n = 0;
  stream.async_read_some(boost::asio::buffer(buf), [&](boost::system::error_code e, std::size_t k) {
    ec = e;
    n = k;
    done = true;
  });
  ioc.run_for(5s);
  ioc.restart();
  REQUIRE(done);
  return n;
}

}  // namespace

TEST_CASE(
    "lean TLS stream: a verified handshake, a request in one try_write, reads that never wait",
    "[tls][upstream]") {
  std::mutex mutex;
  std::condition_variable cv;
  bool send_reply = false;
  tls_server server([&](ssl::stream<tcp::socket>& tls) {
    std::string request(4, '\0');
    boost::asio::read(tls, boost::asio::buffer(request));
    {
      std::unique_lock lock(mutex);
      cv.wait_for(lock, 5s, [&] { return send_reply; });
    }
    boost::asio::write(tls, boost::asio::buffer(request + "-pong"));
    // A second piece, later: the client's asynchronous read waits for it.
    std::this_thread::sleep_for(50ms);
    boost::asio::write(tls, boost::asio::buffer(std::string("tail")));
    boost::system::error_code ec;
    tls.shutdown(ec);  // close_notify
  });
  boost::asio::io_context ioc;
  auto ctx = make_client_tls_context(server.ca.path());
  boost::system::error_code ec;
  auto tls = connect(ioc, ctx, server.accept.port(), "localhost", ec);
  REQUIRE_FALSE(ec);
  auto& stream = *tls;

  tcp::socket::wait_type wait{};
  CHECK(stream.try_write(boost::asio::buffer(std::string("ping")), wait, ec) == 4);
  REQUIRE_FALSE(ec);

  // Nothing sent yet: the read does not wait, it says what to wait for.
  char buf[64];
  CHECK(stream.try_read(boost::asio::buffer(buf), wait, ec) == 0);
  CHECK_FALSE(ec);
  CHECK(wait == tcp::socket::wait_read);
  CHECK(stream.drained());
  stream.release_buffers();  // a long wait ahead: OpenSSL's buffers go back

  {
    std::lock_guard lock(mutex);
    send_reply = true;
  }
  cv.notify_all();
  std::string got;
  while (got.size() < 9) {
    const auto n = read_some(ioc, stream, buf, ec);
    REQUIRE_FALSE(ec);
    stream.readable();
    got.append(buf, n);
  }
  CHECK(got.substr(0, 9) == "ping-pong");
  // The tail comes later and the server then closes its TLS session: read to eof.
  for (int i = 0; i < 10 && !ec; ++i) {
    stream.release_buffers();
    got.append(buf, read_some(ioc, stream, buf, ec));
  }
  CHECK(got == "ping-pongtail");
  CHECK(ec == boost::asio::error::eof);
}

TEST_CASE("lean TLS stream: a certificate for another name fails the handshake",
          "[tls][upstream]") {
  tls_server server([](ssl::stream<tcp::socket>&) {});
  boost::asio::io_context ioc;
  auto ctx = make_client_tls_context(server.ca.path());
  boost::system::error_code ec;
  auto stream = connect(ioc, ctx, server.accept.port(), "api.groq.com", ec);
  CHECK(ec);
  CHECK(ec != boost::asio::error::timed_out);
}

TEST_CASE("lean TLS stream: an untrusted certificate fails the handshake", "[tls][upstream]") {
  tls_server server([](ssl::stream<tcp::socket>&) {});
  const auto other = make_self_signed({"localhost"});  // a CA that did not sign the server's
  test::temp_file other_ca(other.certificate);
  boost::asio::io_context ioc;
  auto ctx = make_client_tls_context(other_ca.path());
  boost::system::error_code ec;
  auto stream = connect(ioc, ctx, server.accept.port(), "localhost", ec);
  CHECK(ec);
  CHECK(ec != boost::asio::error::timed_out);
}
