// Everything the gateway answers before any upstream call: routing, framing and validation errors.
#include "gateway/health_check.hpp"
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <catch2/catch.hpp>

using namespace test;

namespace {
void check_error(const http_result& r, unsigned status, const std::string& code) {
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.headers.at("content-type") == "application/json; charset=utf-8");
  CHECK(str(r.json().at("error").at("code")) == code);
  CHECK(r.json().at("error").at("message").as_string().size() > 0);
}
}  // namespace

TEST_CASE("http: health, unknown paths and wrong methods", "[integration]") {
  test_env env;
  const auto h = env.request("GET", "/healthz");
  CHECK(h.status == 200);
  CHECK(h.body == R"({"status":"ok"})");
  check_error(env.request("GET", "/nope"), 404, "not_found");
  const auto m = env.request("GET", "/chat");
  check_error(m, 405, "method_not_allowed");
  CHECK(m.headers.at("allow") == "POST");
  check_error(env.request("DELETE", "/healthz"), 405, "method_not_allowed");
  CHECK(env.sim().stats().completions == 0);
}

TEST_CASE("http: validation errors never reach the upstream", "[integration]") {
  test_env env;
  check_error(env.request("POST", "/chat", R"({"question":"x"})", {{"content-type", "text/plain"}}), 415,
              "unsupported_media_type");
  check_error(env.request("POST", "/chat", R"({"question":"x"})", {}), 415, "unsupported_media_type");
  CHECK(env.request("POST", "/chat", chat_body("x"), {{"content-type", "Application/JSON; charset=utf-8"}}).status == 200);
  check_error(env.chat("{not json"), 400, "invalid_json");
  check_error(env.chat("[]"), 400, "invalid_json");
  check_error(env.chat(R"({"question":"   "})"), 400, "invalid_request");
  check_error(env.chat(R"({"question":1})"), 400, "invalid_request");
  check_error(env.chat(R"({"question":"x","history":[{"role":"robot","content":"x"}]})"), 400, "invalid_request");
  check_error(env.chat(R"({"question":"x","stream":"true"})"), 400, "invalid_request");
  check_error(env.chat("{\"question\":\"\xff\"}"), 400, "invalid_json");
  const auto long_q = env.chat(chat_body(std::string(4001, 'a')));
  check_error(long_q, 400, "invalid_request");
  CHECK(long_q.json().at("error").at("message").as_string().find("4000") != std::string::npos);
  CHECK(env.sim().stats().completions == 1);  // only the valid Application/JSON one
}

TEST_CASE("http: a body over MAX_BODY_BYTES is 413", "[integration]") {
  test_env env(with_gateway([](auto& c) { c.max_body_bytes = 1024; }));
  check_error(env.chat(chat_body(std::string(2000, 'a'))), 413, "payload_too_large");
  CHECK(env.chat(chat_body(std::string(900, 'a'))).status == 200);
}

TEST_CASE("http: streaming disabled by STREAM_RESPONSE answers JSON", "[integration]") {
  test_env env(with_gateway([](auto& c) { c.stream_response = false; }));
  const auto r = env.chat(chat_body("BIST 100 nedir?", true));
  CHECK(r.status == 200);
  CHECK(str(r.json().at("answer")) == expected_answer("BIST 100 nedir?"));
}

TEST_CASE("http: pipelined requests are answered in order on one connection", "[integration]") {
  test_env env;
  namespace asio = boost::asio;
  const std::string one = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  const std::string body = chat_body("BIST 100 nedir?");
  const std::string two = "POST /chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                          std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string three = "GET /missing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  asio::io_context io;
  asio::ip::tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), env.port()});
  asio::write(s, asio::buffer(one + two + three));  // all three before reading anything
  std::string all;
  boost::system::error_code ec;
  char buf[4096];
  while (!ec) {
    const auto n = s.read_some(asio::buffer(buf), ec);
    all.append(buf, n);
  }
  const auto first = all.find("HTTP/1.1 200"), second = all.find("HTTP/1.1 200", first + 1),
             third = all.find("HTTP/1.1 404");
  REQUIRE(first != std::string::npos);
  REQUIRE(second != std::string::npos);
  REQUIRE(third != std::string::npos);
  CHECK(first < second);
  CHECK(second < third);
  CHECK(all.find("\"answer\"") > second);
}

TEST_CASE("http: chat-gateway --health-check asks /healthz on PORT", "[integration]") {
  test_env env;
  gateway::gateway_config cfg;
  cfg.host = "0.0.0.0";  // a wildcard address is asked on loopback
  cfg.port = env.port();
  std::string why;
  CHECK(gateway::check_health(cfg, std::chrono::seconds(2), why));
  // Nothing listens there: unhealthy, with the reason, within the deadline.
  raw_client probe(env.port());  // a port of this machine that is then closed again
  cfg.port = static_cast<unsigned short>(probe.socket.local_endpoint().port());
  probe.socket.close();
  CHECK_FALSE(gateway::check_health(cfg, std::chrono::milliseconds(500), why));
  CHECK_FALSE(why.empty());
}
