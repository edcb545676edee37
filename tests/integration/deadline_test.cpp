// The connect + TLS handshake deadline (UPSTREAM_CONNECT_TIMEOUT) against an upstream that accepts
// TCP connections and then never speaks: the TLS handshake can only end by the gateway's deadline.
// (The first-byte, stream-idle and whole-request deadlines are in chat_test.cpp and
// resilience_test.cpp.)
#include "support/accept_thread.hpp"
#include "support/test_env.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <vector>

using namespace test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Accepts connections and holds them open without a byte.
class silent_server {
 public:
  unsigned short port() const { return accept_.port(); }
  int accepted() const { return accepted_; }

 private:
  asio::io_context ioc_;
  std::vector<tcp::socket> held_;  // accept thread only
  std::atomic<int> accepted_{0};
  accept_thread accept_{ioc_, [this](tcp::socket s) {
                          ++accepted_;
                          held_.push_back(std::move(s));
                        }};
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
