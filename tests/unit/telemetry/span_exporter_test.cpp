// lib/telemetry/span_exporter against a collector played by this test: spans submitted from
// several threads at once all arrive, in batches of at most max_batch; a collector that does not
// answer makes submit() drop what the queue cannot hold (counted) without ever waiting; the spans
// still queued at destruction are sent. Run under ThreadSanitizer too.
#include "telemetry/span_exporter.hpp"

#include "support/accept_thread.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

using namespace gateway;
namespace http = boost::beast::http;
using namespace std::chrono_literals;

namespace {

// Counts the spans of every export; with `hold`, keeps each connection unanswered until released.
class collector {
 public:
  explicit collector(bool hold = false)
      : hold_(hold), accept_(ioc_, [this](boost::asio::ip::tcp::socket s) {
          boost::beast::flat_buffer buffer;
          http::request<http::string_body> req;
          boost::system::error_code ec;
          http::read(s, buffer, req, ec);
          if (ec) return;
          const auto body = boost::json::parse(req.body());
          const auto n = body.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().size();
          spans_ += n;
          ++exports_;
          std::size_t seen = largest_.load();
          while (n > seen && !largest_.compare_exchange_weak(seen, n)) {}
          while (hold_ && !released_) std::this_thread::sleep_for(5ms);
          http::response<http::string_body> res{http::status::ok, 11};
          res.body() = "{}";
          res.prepare_payload();
          http::write(s, res, ec);
        }) {}
  unsigned short port() const { return accept_.port(); }
  void release() { released_ = true; }
  std::atomic<std::size_t> spans_{0}, exports_{0}, largest_{0};

 private:
  bool hold_;
  std::atomic<bool> released_{false};
  boost::asio::io_context ioc_;
  test::accept_thread accept_;
};

span_export_settings to(unsigned short port) {
  span_export_settings s;
  s.collector = base_url{false, "127.0.0.1", std::to_string(port), ""};
  s.target = "/v1/traces";
  s.timeout = 2000ms;
  s.schedule_delay = 20ms;
  s.max_queue = 1000;
  s.max_batch = 50;
  s.resource.attributes = {{"service.name", "test"}};
  return s;
}

std::vector<span> spans(std::size_t n) {
  span one;
  one.trace_id.fill('a');
  one.span_id.fill('b');
  one.name = "span";
  return std::vector<span>(n, one);
}

template <class F>
bool eventually(F f) {
  for (int i = 0; i < 400 && !f(); ++i) std::this_thread::sleep_for(10ms);
  return f();
}

}  // namespace

TEST_CASE("span_exporter: spans from several threads all arrive, in batches of at most max_batch",
          "[telemetry][exporter][threads]") {
  collector col;
  span_exporter exporter(to(col.port()), logger());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) exporter.submit(spans(3));
    });
  for (auto& th : threads) th.join();
  CHECK(eventually([&] { return exporter.stats().exported == 600; }));
  CHECK(col.spans_ == 600);
  CHECK(col.largest_ <= 50);
  CHECK(exporter.stats().dropped == 0);
  CHECK(exporter.stats().failed == 0);
}

TEST_CASE("span_exporter: a collector that does not answer - submit drops what the queue cannot hold, never waits",
          "[telemetry][exporter][threads]") {
  collector col(true);
  auto settings = to(col.port());
  settings.max_queue = 100;
  {
    span_exporter exporter(settings, logger());
    exporter.submit(spans(50));  // a full batch: its export hangs at the collector
    REQUIRE(eventually([&] { return col.exports_ == 1; }));
    for (int i = 0; i < 200; ++i) exporter.submit(spans(1));  // returns at once, hung export or not
    CHECK(exporter.stats().dropped == 100);  // the queue held 100 of the 200
    col.release();
    CHECK(eventually([&] { return exporter.stats().exported == 150; }));
  }
  CHECK(col.spans_ == 150);
}

TEST_CASE("span_exporter: what is queued at destruction is sent", "[telemetry][exporter]") {
  collector col;
  auto settings = to(col.port());
  settings.schedule_delay = 60'000ms;  // only the end sends
  {
    span_exporter exporter(settings, logger());
    exporter.submit(spans(7));
  }
  CHECK(col.spans_ == 7);
}

TEST_CASE("span_exporter: a collector that is not there - the spans are counted as failed", "[telemetry][exporter]") {
  unsigned short port = 0;
  {
    collector gone;
    port = gone.port();
  }
  auto settings = to(port);
  settings.timeout = 300ms;
  span_exporter exporter(settings, logger());
  exporter.submit(spans(5));
  CHECK(eventually([&] { return exporter.stats().failed == 5; }));
}
