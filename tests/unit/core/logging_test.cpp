#include "core/line_writer.hpp"
#include "core/log_budget.hpp"
#include "core/logger.hpp"
#include "http/access_log.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <thread>
#include <unistd.h>

using namespace gateway;
using namespace std::chrono_literals;

TEST_CASE("logging: JSON escaping", "[logging]") {
  CHECK(json_escape(R"(a"b\c)") == R"(a\"b\\c)");
  CHECK(json_escape("x\ny\t\x01") == "x\\u000ay\\u0009\\u0001");
  CHECK(json_escape("Türkçe 📈") == "Türkçe 📈");
}

// Issue 35: a client's bytes in a text log line could break it into forged lines or reach a terminal.
TEST_CASE("logging: text lines escape control characters", "[logging]") {
  CHECK(text_escape("plain line: Türkçe 📈 \\ \"q\"") == "plain line: Türkçe 📈 \\ \"q\"");
  CHECK(text_escape("a\nINFO forged") == "a\\nINFO forged");
  CHECK(text_escape("\r\t\x1b[31m\x7f\x01") == "\\r\\t\\x1b[31m\\x7f\\x01");
  CHECK(text_escape("c1 \xc2\x9b here") == "c1 \\u009b here");  // CSI as a C1 control
  CHECK(text_escape("\xc2\xa0 stays") == "\xc2\xa0 stays");   // U+00A0 is no control
  CHECK(text_escape("ends with \xc2") == "ends with \xc2");
  // Through the writer: one line per message, whatever the message holds.
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    auto w = std::make_shared<line_writer>(fds[1]);
    const auto log = logger::to_writer(log_level::info, log_format::text, w);
    log.info("model {}", std::string_view("x\n2026-01-01T00:00:00Z error forged"));
    w->flush();
  }
  ::close(fds[1]);
  char buf[512];
  const auto n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  REQUIRE(n > 0);
  const std::string out(buf, static_cast<std::size_t>(n));
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  CHECK(out.find("model x\\n2026") != std::string::npos);
}

TEST_CASE("logging: a log budget writes N lines a second and counts the rest", "[logging]") {
  log_budget budget(3);
  const auto t0 = clock_type::time_point(std::chrono::seconds(1000));
  std::uint64_t left_out = 99;
  for (int i = 0; i < 3; ++i) {
    CHECK(budget.admit(t0 + std::chrono::milliseconds(i), left_out));
    CHECK(left_out == 0);
  }
  for (int i = 0; i < 1000; ++i) CHECK_FALSE(budget.admit(t0 + std::chrono::milliseconds(500), left_out));
  CHECK(budget.admit(t0 + std::chrono::seconds(1), left_out));  // the next second
  CHECK(left_out == 1000);                                      // says what was left out
  CHECK(budget.admit(t0 + std::chrono::seconds(1), left_out));
  CHECK(left_out == 0);
}

TEST_CASE("logging: an access log line is one JSON object with every field", "[logging]") {
  request_report r;
  r.status = 200;
  r.cache = "HIT";
  r.attempts = 0;
  r.bytes = 512;
  const access_entry e{"id-1", "POST", "/chat", "127.0.0.1", 1500us, &r};
  const auto line = access_log_line(e, std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000)));
  REQUIRE(line.back() == '\n');
  const auto v = boost::json::parse(line);
  CHECK(v.at("time") == "2026-11-18T11:06:40Z");
  CHECK(v.at("id") == "id-1");
  CHECK(v.at("method") == "POST");
  CHECK(v.at("path") == "/chat");
  CHECK(v.at("status") == 200);
  CHECK(v.at("cache") == "HIT");
  CHECK(v.at("attempts") == 0);
  CHECK(v.at("upstream_ttfb_ms").is_null());
  CHECK(v.at("duration_ms").as_double() == Approx(1.5));
  CHECK(v.at("bytes") == 512);
  CHECK(v.at("client") == "127.0.0.1");

  request_report gone;  // the client left before any response: 499, like nginx
  const access_entry g{"id-2", "POST", "/chat", "", 1ms, &gone};
  CHECK(boost::json::parse(access_log_line(g, std::chrono::system_clock::now())).at("status") == 499);
}

TEST_CASE("logging: the line writer never blocks - what does not fit is dropped and counted", "[logging]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::string out;
  {
    line_writer w(fds[1], 4096);
    // 200 KB of lines into a 4 KiB buffer as fast as possible: write() returns at once every time,
    // what the writer thread cannot take in time is dropped, counted, and the count is reported.
    const std::string line(1000, 'x');
    for (int i = 0; i < 200; ++i) w.write(line + "\n");
    CHECK(w.dropped() > 0);
    std::thread reader([&] {
      char buf[65536];
      for (;;) {
        const auto n = ::read(fds[0], buf, sizeof buf);
        if (n <= 0) return;
        out.append(buf, static_cast<std::size_t>(n));
      }
    });
    w.write("last\n");  // may itself be dropped if the buffer is still full; flush either way
    w.flush();
    ::close(fds[1]);  // the writer is done with it after flush; destruction joins its thread
    reader.join();
  }
  ::close(fds[0]);
  CHECK_FALSE(out.empty());
  CHECK(out.find("line(s) dropped") != std::string::npos);
}
