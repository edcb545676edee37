// Slow and stuck clients: slow-loris headers and bodies are cut after CLIENT_HEADER_TIMEOUT; a
// client that stops reading its stream is cut after CLIENT_WRITE_TIMEOUT and its upstream call is
// cancelled - the gateway never buffers an unread stream (each upstream read is written before
// the next one is made).
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include <thread>

using namespace test;
using namespace std::chrono_literals;
namespace asio = boost::asio;

TEST_CASE("slow clients: a header sent byte by byte is cut after CLIENT_HEADER_TIMEOUT",
          "[integration][slow]") {
  test_env env(with_gateway([](auto& c) { c.client_header_timeout = 500ms; }));
  raw_client c(env.port());
  const std::string head = "POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n";
  // Drip the header (each byte well inside any per-read timeout); the deadline covers the whole
  // header, so dripping does not extend it.
  bool send_failed = false;
  for (std::size_t i = 0; i < head.size() && !send_failed; ++i) {
    boost::system::error_code ec;
    asio::write(c.socket, asio::buffer(head.data() + i, 1), ec);
    send_failed = static_cast<bool>(ec);
    std::this_thread::sleep_for(20ms);  // paces the drip; the assertion below does not depend on it
  }
  bool closed = false;
  CHECK(c.read_all(&closed).empty());  // cut silently: there is no request to answer
  CHECK(closed);
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
}

TEST_CASE("slow clients: a body that stops arriving is cut", "[integration][slow]") {
  test_env env(with_gateway([](auto& c) { c.client_header_timeout = 500ms; }));
  raw_client c(env.port());
  c.send("POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"q");
  bool closed = false;
  CHECK(c.read_all(&closed).empty());
  CHECK(closed);
  CHECK(env.sim().stats().completions == 0);
}

TEST_CASE("slow clients: a client that stops reading its stream is cut and the upstream cancelled",
          "[integration][slow]") {
  test_env env(with_gateway([](auto& c) {
    c.client_write_timeout = 500ms;
    c.max_new_tokens = 1'000'000;
    c.cache_enabled = false;
  }));
  raw_client c(env.port(), 4096);
  // A long, fast answer: megabytes of SSE, more than the socket buffers on the way can hold.
  const std::string body = chat_body("Uzun anlat [[sim tokens=400000]]", true);
  c.send(fmt::format("POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
                     body.size(), body));
  // The client reads nothing. The gateway's write stalls, CLIENT_WRITE_TIMEOUT cuts it, and the
  // upstream stream is abandoned (groq-sim sees its peer go away mid-stream).
  CHECK(test_env::eventually([&] { return env.sim().stats().streams_aborted == 1; }, 30s));  // ~3 s here; ASan is slower
  CHECK(env.sim().stats().streams_completed == 0);
  CHECK(test_env::eventually([&] { return env.gateway().open_connections() == 0; }, 5s));
}
