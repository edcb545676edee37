#include "core/line_writer.hpp"
#include "core/log_budget.hpp"
#include "core/logger.hpp"
#include "core/utf8.hpp"
#include "http/access_log.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <unistd.h>
#include <algorithm>
#include <thread>

using namespace gateway;
using namespace std::chrono_literals;

TEST_CASE("logging: JSON escaping", "[logging]") {
  CHECK(json_escape(R"(a"b\c)") == R"(a\"b\\c)");
  CHECK(json_escape("x\ny\t\x01") == "x\\u000ay\\u0009\\u0001");
  CHECK(json_escape("Türkçe 📈") == "Türkçe 📈");
}

// Review of issue 35: a JSON log line must stay valid UTF-8 whatever bytes a client sent (a path,
// a model name); every byte that is not well-formed UTF-8 becomes U+FFFD, written as an escape.
TEST_CASE("logging: JSON escaping never writes invalid UTF-8", "[logging]") {
  CHECK(json_escape("a\xff b") == "a\\ufffd b");
  CHECK(json_escape("\x80\x9f") == "\\ufffd\\ufffd");             // lone continuation bytes
  CHECK(json_escape("cut \xc3") == "cut \\ufffd");                // a sequence cut short
  CHECK(json_escape("\xc0\xaf") == "\\ufffd\\ufffd");             // overlong '/'
  CHECK(json_escape("\xed\xa0\x80") == "\\ufffd\\ufffd\\ufffd");  // a surrogate
  CHECK(json_escape("\xf4\x90\x80\x80") == "\\ufffd\\ufffd\\ufffd\\ufffd");  // past U+10FFFF
  CHECK(json_escape("\xc2\x85 \xf0\x9f\x93\x88") ==
        "\xc2\x85 \xf0\x9f\x93\x88");  // valid: as it is
  // Every byte value, alone and after a lead byte: the line parses (Boost.JSON checks UTF-8).
  for (int a = 0; a < 256; ++a)
    for (const int b : {0x00, 0x41, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xff}) {
      const std::string bytes{static_cast<char>(a), static_cast<char>(b)};
      std::string quoted = "\"";
      append_json_escaped(quoted, bytes);
      quoted += '"';
      boost::system::error_code ec;
      const auto v = boost::json::parse(quoted, ec);
      INFO(a << " " << b);
      CHECK_FALSE(ec);
    }
}

TEST_CASE("logging: UTF-8 sequences by the standard's table of well-formed ones", "[logging]") {
  CHECK(utf8_sequence_length("") == 0);
  CHECK(utf8_sequence_length("a") == 1);
  CHECK(utf8_sequence_length("\xc2\x80") == 2);
  CHECK(utf8_sequence_length("\xc1\xbf") == 0);  // overlong
  CHECK(utf8_sequence_length("\xdf\xbf") == 2);
  CHECK(utf8_sequence_length("\xe0\x9f\xbf") == 0);  // overlong
  CHECK(utf8_sequence_length("\xe0\xa0\x80") == 3);
  CHECK(utf8_sequence_length("\xed\x9f\xbf") == 3);  // U+D7FF
  CHECK(utf8_sequence_length("\xed\xa0\x80") == 0);  // U+D800
  CHECK(utf8_sequence_length("\xef\xbf\xbf") == 3);
  CHECK(utf8_sequence_length("\xf0\x8f\xbf\xbf") == 0);  // overlong
  CHECK(utf8_sequence_length("\xf0\x90\x80\x80") == 4);
  CHECK(utf8_sequence_length("\xf4\x8f\xbf\xbf") == 4);  // U+10FFFF
  CHECK(utf8_sequence_length("\xf4\x90\x80\x80") == 0);
  CHECK(utf8_sequence_length("\xf5\x80\x80\x80") == 0);
  CHECK(utf8_sequence_length("\xf0\x90\x80") == 0);  // cut short
  CHECK(utf8_sequence_length("\x80") == 0);
}

// Issue 35: a client's bytes in a text log line could break it into forged lines or reach a
// terminal.
TEST_CASE("logging: text lines escape control characters", "[logging]") {
  CHECK(text_escape("plain line: Türkçe 📈 \"q\"") == "plain line: Türkçe 📈 \"q\"");
  CHECK(text_escape("a\nINFO forged") == "a\\nINFO forged");
  CHECK(text_escape("\r\t\x1b[31m\x7f\x01") == "\\r\\t\\x1b[31m\\x7f\\x01");
  CHECK(text_escape("c1 \xc2\x9b here") == "c1 \\u009b here");  // CSI as a C1 control
  CHECK(text_escape("\xc2\xa0 stays") == "\xc2\xa0 stays");     // U+00A0 is no control
  CHECK(text_escape("ends with \xc2") == "ends with \\xc2");    // not UTF-8: the byte, escaped
  // A backslash is escaped too: a client's "\n" (two characters) cannot pass for our escape.
  CHECK(text_escape("a\\nINFO forged") == "a\\\\nINFO forged");
  CHECK(text_escape("a\nb") != text_escape("a\\nb"));
  // Bytes that are not UTF-8 - lone 0x80..0x9F (C1 in Latin-1), other stray bytes - as \xNN.
  CHECK(text_escape("\x85\x9b[31m") == "\\x85\\x9b[31m");
  CHECK(text_escape("\xff\xfe\xc0\xaf") == "\\xff\\xfe\\xc0\\xaf");
  CHECK(text_escape("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate
  CHECK(text_escape("ok \xe2\x82\xac \xe2\x82") ==
        "ok \xe2\x82\xac \\xe2\\x82");  // a euro sign, then one cut short
  // What comes out is always printable and valid UTF-8: no byte value survives raw where it could
  // reach a terminal as a control.
  for (int a = 0; a < 256; ++a) {
    const auto out = text_escape(std::string{static_cast<char>(a), 'z'});
    INFO(a);
    for (std::size_t i = 0; i < out.size();) {
      const auto n = utf8_sequence_length(std::string_view(out).substr(i));
      REQUIRE(n > 0);
      const auto u = static_cast<unsigned char>(out[i]);
      CHECK((n > 1 || (u >= 0x20 && u != 0x7f)));
      CHECK_FALSE((n == 2 && u == 0xc2 && static_cast<unsigned char>(out[i + 1]) < 0xa0));
      i += n;
    }
  }
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

TEST_CASE("logging: a client's string is quoted cut to a bound and escaped", "[logging]") {
  CHECK(text_excerpt("gzip", 32) == "gzip");
  CHECK(text_excerpt(std::string(10'000, 'a'), 32) == std::string(32, 'a') + "...");
  CHECK(text_excerpt("a\nb", 32) == "a\\nb");
  // A character the cut would split is left out whole; bytes that are not UTF-8 stay escapes.
  CHECK(text_excerpt("abcç", 4) == "abc...");   // ç is two bytes: the cut falls inside it
  CHECK(text_excerpt("ab📈xyz", 4) == "ab...");  // four bytes, cut after its second
  CHECK(text_excerpt("abc\xff\xff", 4) == "abc\\xff...");
  CHECK(text_excerpt(std::string(5000, '\x01'), 8).size() == 8 * 4 + 3);
}

TEST_CASE("logging: a JSON log line with a client's invalid bytes is valid JSON", "[logging]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  {
    auto w = std::make_shared<line_writer>(fds[1]);
    const auto log = logger::to_writer(log_level::info, log_format::json, w);
    log.info("model {}", std::string_view("\xff\xc3(\n\"x"));
  }
  ::close(fds[1]);
  char buf[512];
  const auto n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  REQUIRE(n > 0);
  const std::string out(buf, static_cast<std::size_t>(n));
  REQUIRE(std::count(out.begin(), out.end(), '\n') == 1);
  const auto v = boost::json::parse(out);
  CHECK(v.at("level") == "info");
  CHECK(v.at("msg") == "model \xef\xbf\xbd\xef\xbf\xbd(\n\"x");
  CHECK(v.at("time").as_string().size() == 20);
}

TEST_CASE("logging: a log budget writes N lines a second and counts the rest", "[logging]") {
  log_budget budget(3);
  const auto t0 = clock_type::time_point(std::chrono::seconds(1000));
  std::uint64_t left_out = 99;
  for (int i = 0; i < 3; ++i) {
    CHECK(budget.admit(t0 + std::chrono::milliseconds(i), left_out));
    CHECK(left_out == 0);
  }
  for (int i = 0; i < 1000; ++i)
    CHECK_FALSE(budget.admit(t0 + std::chrono::milliseconds(500), left_out));
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
  const auto line = access_log_line(
      e, std::chrono::system_clock::time_point(std::chrono::seconds(1'795'000'000)));
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
  CHECK(boost::json::parse(access_log_line(g, std::chrono::system_clock::now())).at("status") ==
        499);

  // Durations in milliseconds with three decimals, written in integers.
  request_report t = r;
  t.upstream_first_byte = 5us;
  const access_entry timed{"id-4", "POST", "/chat", "::1", 1'234'567us, &t};
  const auto timed_line = access_log_line(timed, std::chrono::system_clock::now());
  CHECK(timed_line.find(R"("upstream_ttfb_ms":0.005,)") != std::string::npos);
  CHECK(timed_line.find(R"("duration_ms":1234.567,)") != std::string::npos);
  const access_entry instant{"id-5", "POST", "/chat", "::1", 0us, &r};
  CHECK(
      access_log_line(instant, std::chrono::system_clock::now()).find(R"("duration_ms":0.000,)") !=
      std::string::npos);

  // A path of bytes that are not UTF-8 (the request line allows them) keeps the line valid JSON.
  const access_entry bad{"id-3", "GET", "/\xff\xfe\"\\/x", "::1", 1ms, &r};
  CHECK(boost::json::parse(access_log_line(bad, std::chrono::system_clock::now())).at("path") ==
        "/\xef\xbf\xbd\xef\xbf\xbd\"\\/x");
}

TEST_CASE("logging: the line writer never blocks - what does not fit is dropped and counted",
          "[logging]") {
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
