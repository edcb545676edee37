// The connect + TLS handshake deadline (UPSTREAM_CONNECT_TIMEOUT) against an upstream that accepts
// TCP connections and then never speaks: the TLS handshake can only end by the gateway's deadline.
// (The first-byte, stream-idle and whole-request deadlines are in chat_test.cpp and
// resilience_test.cpp.)
#include "support/test_env.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Accepts connections on its own thread and holds them open without a byte.
class silent_server {
 public:
  silent_server() : acceptor_(ioc_, {asio::ip::make_address("127.0.0.1"), 0}), port_(acceptor_.local_endpoint().port()) {
    thread_ = std::thread([this] {
      while (!stop_) {
        boost::system::error_code ec;
        tcp::socket s(ioc_);
        acceptor_.accept(s, ec);
        if (ec || stop_) return;
        ++accepted_;
        held_.push_back(std::move(s));
      }
    });
  }
  ~silent_server() {
    stop_ = true;
    // Wake the blocking accept() with one last connection (closing the acceptor from this thread
    // would race with the accept thread).
    asio::io_context wake_ioc;
    tcp::socket wake(wake_ioc);
    boost::system::error_code ec;
    wake.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    thread_.join();
  }
  unsigned short port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_;
  std::vector<tcp::socket> held_;  // accept thread only
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

}  // namespace

TEST_CASE("deadlines: a TLS handshake that never completes is cut by UPSTREAM_CONNECT_TIMEOUT",
          "[integration][deadline]") {
  silent_server silent;
  const auto port = silent.port();
  test_env env(with_gateway([port](auto& c) {
    c.upstream = gateway::base_url{true, "127.0.0.1", std::to_string(port), "/openai/v1"};
    c.upstream_connect_timeout = 200ms;
    c.upstream_max_retries = 1;
  }));
  const auto started = std::chrono::steady_clock::now();
  const auto r = env.chat(chat_body("BIST 100 nedir?"));
  CHECK(r.status == 504);
  CHECK(r.json().at("error").at("code") == "upstream_timeout");
  CHECK(silent.accepted() == 2);  // a connect timeout is retried once, as configured
  CHECK(std::chrono::steady_clock::now() - started < 10s);
}
