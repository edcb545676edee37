// serve_http's refusal lines (lib/http/serve.hpp), over real sockets: a client that sends framing
// the gateway refuses, as fast as it can, gets a bounded number of log lines (the rest counted
// into the next one, like the 401 lines), and the coding it named is quoted cut short and escaped,
// in the log and in the answer.
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

using namespace test;
using namespace std::chrono_literals;

TEST_CASE(
    "logs: refused framing is logged at a bounded rate, the client's coding cut short and escaped",
    "[integration][hostile][logging]") {
  captured_log log;
  env_options options;
  options.log = log.logger(gateway::log_level::info);
  test_env env(options);
  // A coding of 5,000 bytes with bytes in it that are not text (obs-text: the parser lets them
  // through): a 501, not a coding we decode.
  const std::string coding = "x\x85\xff" + std::string(5000, 'z');
  const auto refuse = [&] {
    raw_client c(env.port());
    c.send("POST /chat HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: " + coding + ", chunked\r\n\r\n");
    const auto reply = c.read_all();
    REQUIRE(reply.rfind("HTTP/1.1 501", 0) == 0);
    const auto body = boost::json::parse(reply.substr(reply.find("\r\n\r\n") + 4));
    const std::string message(body.at("error").at("message").as_string());
    CHECK(message ==
          "transfer coding 'x\\x85\\xff" + std::string(32 - 3, 'z') + "...' is not supported");
  };
  const auto started = std::chrono::steady_clock::now();
  const int burst = 40;
  for (int i = 0; i < burst; ++i) refuse();
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started)
          .count();
  // In a second of its own, one more: it is logged, and says how many were left out before it.
  std::this_thread::sleep_for(1100ms);
  refuse();

  const auto text = log.text();
  INFO(text);
  std::istringstream in(text);
  std::string line;
  std::size_t lines = 0;
  std::uint64_t left_out = 0;
  while (std::getline(in, line)) {
    if (line.find("http: rejected request: ") == std::string::npos) continue;
    ++lines;
    CHECK(line.size() < 200);
    CHECK(line.find('\x85') == std::string::npos);
    CHECK(line.find('\xff') == std::string::npos);
    CHECK(line.find("'x\\x85\\xffzz") != std::string::npos);
    if (const auto more = line.find(" more since the last such line"); more != std::string::npos)
      left_out += std::stoull(line.substr(line.rfind('(', more) + 1));
  }
  CHECK(lines >= 2);
  // The budget is per second of the clock: a burst that lasted `seconds` whole seconds and a part
  // touches at most seconds + 2 of them (a burst of 0.4 s can straddle one boundary), and the
  // last refusal comes in a second of its own.
  CHECK(lines <= 10 * static_cast<std::size_t>(seconds + 2) + 1);
  // Every refusal is a line or counted in a later one.
  CHECK(lines + left_out == static_cast<std::size_t>(burst + 1));
}
