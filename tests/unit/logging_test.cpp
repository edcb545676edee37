#include "core/line_writer.hpp"
#include "core/logger.hpp"
#include "http/access_log.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <thread>
#include <unistd.h>

using namespace gateway;
using namespace std::chrono_literals;

TEST_CASE("logging: JSON escaping", "[logging]") {
  CHECK(json_escape(R"(a"b\c)") == R"(a\"b\\c)");
  CHECK(json_escape("x\ny\t\x01") == "x\\u000ay\\u0009\\u0001");
  CHECK(json_escape("Türkçe 📈") == "Türkçe 📈");
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
