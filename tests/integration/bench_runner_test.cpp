// chat-bench's runner against a server that closes every connection right after its answer,
// without saying so (no Connection: close) - as a server does with a connection that then sits idle
// past its keep-alive timeout. A request on such a connection fails before any response: the runner
// sends it once more, on a new connection (the next idle one is as dead), and counts it as sent
// again, not as failed.
#include "tools/load/load_runner.hpp"
#include "support/accept_thread.hpp"

#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <condition_variable>
#include <istream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Answers one request per connection with a /chat answer, then closes the connection. The first
// `hold` answers wait until `hold` requests have arrived: then as many connections sit idle, dead,
// at once.
class one_answer_server {
 public:
  static constexpr unsigned hold = 4;

  ~one_answer_server() {
    accept_.stop();  // no handler starts after this
    for (auto& t : handlers_) t.join();
  }
  unsigned short port() const { return accept_.port(); }

 private:
  void answer_once(tcp::socket& s) {
    boost::system::error_code ec;
    asio::streambuf in;
    const auto head = asio::read_until(s, in, "\r\n\r\n", ec);
    if (ec) return;
    std::string text(asio::buffers_begin(in.data()), asio::buffers_begin(in.data()) + static_cast<std::ptrdiff_t>(head));
    std::size_t length = 0;
    if (const auto at = text.find("Content-Length: "); at != std::string::npos) length = std::stoul(text.substr(at + 16));
    in.consume(head);
    if (in.size() < length) asio::read(s, in, asio::transfer_exactly(length - in.size()), ec);
    {
      std::unique_lock lock(held_mutex_);
      if (held_ < hold) {
        ++held_;
        arrived_.notify_all();
        arrived_.wait_for(lock, std::chrono::seconds(5), [this] { return held_ >= hold; });
      }
    }
    const std::string body = R"({"answer":"tamam","cached":false})";
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
    asio::write(s, asio::buffer(reply), ec);
    s.close(ec);  // no Connection: close - the client keeps it as idle
  }

  asio::io_context ioc_;
  std::mutex held_mutex_;
  std::condition_variable arrived_;
  unsigned held_ = 0;  // guarded by held_mutex_
  std::vector<std::thread> handlers_;  // the accept thread's until it stops
  test::accept_thread accept_{ioc_, [this](tcp::socket s) {
                                handlers_.emplace_back([this, s = std::move(s)]() mutable { answer_once(s); });
                              }};
};

}  // namespace

TEST_CASE("chat-bench: a request on an idle connection the server closed goes again on a new one",
          "[integration][bench]") {
  one_answer_server server;
  gateway::bench::bench_config cfg;
  std::string why;
  cfg.target = *gateway::bench::parse_target("http://127.0.0.1:" + std::to_string(server.port()) + "/chat", why);
  // Open loop, a request every 2 ms, at most four connections: the first four requests need one
  // each (the server holds their answers), and the fifth finds four dead connections idle.
  cfg.rate = 500;
  cfg.concurrency = one_answer_server::hold;
  cfg.requests = 50;
  cfg.warmup = std::chrono::milliseconds(0);
  cfg.timeout = std::chrono::seconds(10);
  const auto r = gateway::bench::run_load(cfg);
  CHECK(r.errors.empty());
  CHECK(r.ok == 50);
  CHECK(r.retried_stale > 0);
}
