// Hostile and broken input over raw sockets (support/raw_client.hpp): every case gets the right
// status or a clean close, and the gateway keeps serving others.
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sys/resource.h>

using namespace test;
using namespace std::chrono_literals;

namespace {

std::size_t count(const std::string& s, std::string_view what) {
  std::size_t n = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
  return n;
}

std::string post(std::string_view body, std::string_view extra_headers = {}) {
  return fmt::format("POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{}\r\n{}",
                     body.size(), extra_headers, body);
}

}  // namespace

TEST_CASE("hostile: oversized headers are 431 and the connection is closed", "[integration][hostile]") {
  test_env env;
  raw_client c(env.port());
  c.send("POST /chat HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(20000, 'a') + "\r\n\r\n");
  bool closed = false;
  const auto reply = c.read_all(&closed);
  CHECK(reply.rfind("HTTP/1.1 431", 0) == 0);
  CHECK(closed);
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);  // others are still served
}

TEST_CASE("hostile: a body longer than announced: the rest is a bad next request", "[integration][hostile]") {
  test_env env;
  raw_client c(env.port());
  const std::string body = R"({"question":"BIST 100 nedir?"})";
  // Content-Length says 30 bytes (the whole object), 12 more bytes follow that are not HTTP.
  c.send(post(body) + "garbage\r\n\r\n!");
  bool closed = false;
  const auto reply = c.read_all(&closed);
  CHECK(reply.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(count(reply, "HTTP/1.1 400") == 1);  // the surplus, answered as a malformed request
  CHECK(closed);
}

TEST_CASE("hostile: a truncated body is a clean close, never an answer to half a request",
          "[integration][hostile]") {
  test_env env;
  raw_client c(env.port());
  c.send("POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"question\":");
  c.half_close();
  bool closed = false;
  const auto reply = c.read_all(&closed);
  CHECK(reply.empty());
  CHECK(closed);
  CHECK(env.sim().stats().completions == 0);
}

TEST_CASE("hostile: invalid chunked encoding is 400", "[integration][hostile]") {
  test_env env;
  raw_client c(env.port());
  c.send("POST /chat HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
         "zz\r\n{}\r\n0\r\n\r\n");
  bool closed = false;
  const auto reply = c.read_all(&closed);
  CHECK(reply.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(reply.find("invalid_request") != std::string::npos);
  CHECK(closed);
}

TEST_CASE("hostile: non-UTF-8, deeply nested JSON and huge histories are 400/413", "[integration][hostile]") {
  test_env env(with_gateway([](auto& c) { c.max_body_bytes = 1 << 20; }));
  auto code = [](const http_result& r) { return str(r.json().at("error").at("code")); };

  const auto bad_utf8 = env.chat("{\"question\":\"BIST \xff\xfe nedir\"}");
  CHECK(bad_utf8.status == 400);
  CHECK(code(bad_utf8) == "invalid_json");

  std::string deep = R"({"question":"x","history":)";
  deep.append(10000, '[').append(10000, ']').append("}");
  const auto nested = env.chat(deep);
  CHECK(nested.status == 400);
  CHECK(code(nested) == "invalid_json");

  std::string history = "[";
  for (int i = 0; i < 10000; ++i) history += std::string(i ? "," : "") + R"({"role":"user","content":"soru"})";
  history += "]";
  const auto many = env.chat(R"({"question":"x","history":)" + history + "}");
  CHECK(many.status == 400);
  CHECK(code(many) == "invalid_request");
  CHECK(str(many.json().at("error").at("message")).find("history") != std::string::npos);

  test_env small;  // the default MAX_BODY_BYTES (64 KiB) stops the same body earlier
  CHECK(small.chat(R"({"question":"x","history":)" + history + "}").status == 413);
  CHECK(env.sim().stats().completions == 0);
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
}

TEST_CASE("hostile: 500 connections that send nothing are closed on time and block nobody",
          "[integration][hostile]") {
  // 500 client sockets plus the gateway's 500 in one process: make sure the limit allows it.
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < 2048 && lim.rlim_max >= 2048) {
    lim.rlim_cur = 2048;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  test_env env(with_gateway([](auto& c) {
    c.keepalive_timeout = 1500ms;  // the wait for a first byte
    // All 500 come from 127.0.0.1: this is about deadlines, not MAX_CONNECTIONS_PER_CLIENT or
    // CONNECTION_RATE_PER_CLIENT (whose defaults, 256 open and 200 a second, would refuse many of
    // them; connection_budget_test.cpp tests those caps).
    c.max_connections_per_client = 0;
    c.connection_rate_per_client = 0;
  }));
  std::vector<std::unique_ptr<raw_client>> idle;
  for (int i = 0; i < 500; ++i) idle.push_back(std::make_unique<raw_client>(env.port()));
  CHECK(test_env::eventually([&] { return env.gateway().open_connections() >= 500; }));
  // Meanwhile a real client is served at once.
  const auto started = std::chrono::steady_clock::now();
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  // Every idle connection is closed by the gateway after KEEPALIVE_TIMEOUT, without a byte.
  int closed_silently = 0;
  for (auto& c : idle) {
    bool closed = false;
    if (c->read_all(&closed).empty() && closed) ++closed_silently;
  }
  CHECK(closed_silently == 500);
  CHECK(test_env::eventually([&] { return env.gateway().open_connections() == 0; }));
}

// The keep-alive deadline is kept by one lazy timer per connection (serve.hpp): each request moves
// it on, and a connection that keeps asking is never cut at the first deadline.
TEST_CASE("keep-alive: a connection that keeps asking outlives KEEPALIVE_TIMEOUT, an idle one does not",
          "[integration]") {
  test_env env(with_gateway([](auto& c) { c.keepalive_timeout = 600ms; }));
  raw_client client(env.port());
  const auto one_response = [&] {
    std::string got;
    char buf[4096];
    for (;;) {
      boost::system::error_code ec;
      const auto n = client.socket.read_some(boost::asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) return got;
      const auto end = got.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      const auto cl = got.find("Content-Length: ");
      REQUIRE(cl != std::string::npos);
      const auto length = std::stoul(got.substr(cl + 16));
      if (got.size() >= end + 4 + length) return got;
    }
  };
  // Six requests 250 ms apart: 1.5 s on one connection, two and a half deadlines.
  for (int i = 0; i < 6; ++i) {
    client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = one_response();
    INFO(r);
    CHECK(r.rfind("HTTP/1.1 200", 0) == 0);
    std::this_thread::sleep_for(250ms);
  }
  // Then silence: the gateway closes it without a byte.
  bool closed = false;
  CHECK(client.read_all(&closed).empty());
  CHECK(closed);
}
