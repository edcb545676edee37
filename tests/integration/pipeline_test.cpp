// The one request pipeline as both endpoints use it: upstream connection reuse, the same outcome
// for coalesced followers whichever endpoint, framing errors in each route's error shape, transfer
// codings refused before any body is read, and a client reset racing the SSE head.
#include "support/client_threads.hpp"
#include "support/raw_client.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <sys/socket.h>

#include <algorithm>
#include <atomic>

using namespace test;
namespace json = boost::json;

namespace {

std::string completion_body(const std::string& question, bool stream) {
  json::object body{{"messages", json::array{json::object{{"role", "user"}, {"content", question}}}}};
  if (stream) body["stream"] = true;
  return json::serialize(body);
}

// One endpoint, as a test drives it.
struct endpoint {
  std::string name;
  std::string path;
  std::function<std::string(const std::string&, bool)> body;
};

const std::vector<endpoint> endpoints{
    {"/chat", "/chat", [](const std::string& q, bool stream) { return chat_body(q, stream); }},
    {"/v1", "/v1/chat/completions", completion_body},
};

// A content delta of either endpoint (not /v1's role chunk, not the end).
bool has_text(const gateway::sse_event& ev) {
  return ev.data.find("\"delta\":\"") != std::string::npos ||
         (ev.data.find("\"content\":\"") != std::string::npos && ev.data.find("\"content\":\"\"") == std::string::npos);
}

std::uint64_t metric(test_env& env, const std::string& name) {
  const auto body = env.request("GET", "/metrics", {}, {}).body;
  const auto pos = body.find("\n" + name + " ");
  if (pos == std::string::npos) return ~0ull;
  return std::stoull(body.substr(pos + name.size() + 2));
}

}  // namespace

TEST_CASE("pipeline: both endpoints reuse one TLS upstream connection, JSON and streamed",
          "[integration][pipeline]") {
  test_env env(with_gateway([](auto& c) { c.cache_enabled = false; }));
  int n = 0;
  for (const auto& e : endpoints) {
    for (int i = 0; i < 5; ++i) {
      const auto q = fmt::format("Soru {} nedir?", n++);
      CHECK(env.request("POST", e.path, e.body(q, false)).status == 200);
      const auto s = env.stream(e.path, e.body(q, true));
      CHECK(s.status == 200);
      CHECK(s.saw_done_marker);
    }
  }
  const auto st = env.sim().stats();
  CHECK(st.completions == 20);
  CHECK(st.tls_handshakes == 1);  // one connection, pooled after each response read to its end
  CHECK(st.connections == 1);
  CHECK(metric(env, "gateway_pool_connections_created_total") == 1);
  CHECK(metric(env, "gateway_pool_connections_reused_total") == 19);
}

TEST_CASE("pipeline: the leader's client leaving - the same outcome for followers on both endpoints",
          "[integration][pipeline][coalescing]") {
  for (const auto& e : endpoints) {
    DYNAMIC_SECTION(e.name) {
      test_env env;
      const std::string question = "Hisse senedi nedir? [[sim gate=leave interval=20]]";
      stream_result leader, follower;
      http_result json_follower;
      std::atomic<int> leader_deltas{0}, follower_deltas{0};
      client_threads group;
      // The leader hangs up at its second delta, after the gate, while the upstream keeps producing.
      group.add([&] {
        leader = env.stream(e.path, e.body(question, true),
                            [&](const auto& ev) { return !has_text(ev) || ++leader_deltas < 2; });
      });
      const bool leading = test_env::eventually([&] { return leader_deltas == 1; });
      if (leading) {
        group.add([&] {
          follower = env.stream(e.path, e.body(question, true), [&](const auto& ev) {
            if (has_text(ev)) ++follower_deltas;
            return true;
          });
        });
        group.add([&] { json_follower = env.request("POST", e.path, e.body(question, false)); });
      }
      const bool joined = leading && test_env::eventually([&] {
        return follower_deltas >= 1 && env.gateway().coalescing().coalesced == 2;
      });
      env.sim().open_gate("leave");
      group.join();

      REQUIRE(joined);
      CHECK(leader.closed_by_client);
      REQUIRE(follower.status == 200);
      CHECK(follower.headers.at("x-cache") == "COALESCED");
      CHECK(follower.text == expected_answer(question));
      CHECK(follower.saw_done_marker);
      CHECK_FALSE(follower.error);
      REQUIRE(json_follower.status == 200);
      CHECK(json_follower.headers.at("x-cache") == "COALESCED");
      const auto j = json_follower.json();
      const auto text = e.name == "/chat" ? str(j.at("answer")) : str(j.at("choices").at(0).at("message").at("content"));
      CHECK(text == expected_answer(question));
      const auto st = env.sim().stats();
      CHECK(st.completions == 1);
      CHECK(st.streams_completed == 1);
      CHECK(st.streams_aborted == 0);
      // The answer was stored: the next request is a hit.
      CHECK(env.request("POST", e.path, e.body(question, false)).headers.at("x-cache") == "HIT");
    }
  }
}

TEST_CASE("pipeline: framing errors come in OpenAI's shape on /v1 and /chat's shape elsewhere",
          "[integration][pipeline][hostile]") {
  test_env env;
  const auto check_openai = [](const json::value& v, const std::string& code) {
    const auto& err = v.at("error");
    CHECK(str(err.at("code")) == code);
    CHECK(str(err.at("type")) == "invalid_request_error");
    CHECK(err.at("param").is_null());
    CHECK_FALSE(str(err.at("message")).empty());
  };
  const auto check_chat = [](const json::value& v, const std::string& code) {
    const auto& err = v.at("error").as_object();
    CHECK(str(err.at("code")) == code);
    CHECK_FALSE(err.contains("type"));
  };
  const auto body_of = [](const std::string& response) {
    return json::parse(response.substr(response.find("\r\n\r\n") + 4));
  };

  const std::string big(70 * 1024, 'x');
  const auto too_large = env.request("POST", "/v1/chat/completions", big);
  CHECK(too_large.status == 413);
  check_openai(too_large.json(), "payload_too_large");
  const auto groq_path = env.request("POST", "/openai/v1/chat/completions", big);
  CHECK(groq_path.status == 413);
  check_openai(groq_path.json(), "payload_too_large");
  const auto chat_large = env.request("POST", "/chat", big);
  CHECK(chat_large.status == 413);
  check_chat(chat_large.json(), "payload_too_large");

  {  // 431: the header never parsed, the route comes from the request line
    raw_client c(env.port());
    std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Big: ";
    request.append(20 * 1024, 'a');
    request += "\r\n\r\n";
    c.send(request);
    const auto r = c.read_all();
    CHECK(r.starts_with("HTTP/1.1 431"));
    check_openai(body_of(r), "headers_too_large");
  }
  {  // 400: a malformed header
    raw_client c(env.port());
    c.send("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    const auto r = c.read_all();
    CHECK(r.starts_with("HTTP/1.1 400"));
    check_openai(body_of(r), "invalid_request");
  }
  {
    raw_client c(env.port());
    c.send("POST /chat HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
    const auto r = c.read_all();
    CHECK(r.starts_with("HTTP/1.1 400"));
    check_chat(body_of(r), "invalid_request");
  }
  // Routing errors under /v1 too (the route table's areas).
  const auto missing = env.request("GET", "/v1/nothing", {}, {});
  CHECK(missing.status == 404);
  CHECK(str(missing.json().at("error").at("type")) == "not_found_error");
  const auto wrong = env.request("GET", "/v1/chat/completions", {}, {});
  CHECK(wrong.status == 405);
  CHECK(wrong.headers.at("allow") == "POST");
  check_openai(wrong.json(), "method_not_allowed");
  CHECK(env.sim().stats().completions == 0);
}

TEST_CASE("pipeline: a transfer coding other than one final chunked is refused and the connection closed",
          "[integration][pipeline][hostile]") {
  test_env env;
  const std::string json_body = R"({"question":"BIST 100 nedir?"})";
  const auto chunked = fmt::format("{:x}\r\n{}\r\n0\r\n\r\n", json_body.size(), json_body);
  struct refusal {
    std::string head;  // the framing lines
    unsigned status;
  };
  const std::vector<refusal> cases{
      {"Transfer-Encoding: xchunked\r\n", 400},
      {"Transfer-Encoding: chunked, identity\r\n", 400},
      {"Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n", 400},
      {"Transfer-Encoding: chunked, chunked\r\n", 400},
      {"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", 400},
      {"Transfer-Encoding: gzip, chunked\r\n", 501},
      {"Transfer-Encoding: identity, chunked\r\n", 501},
      // Issue 35: an item of parameters alone was skipped by the check, while Beast's framing saw
      // no chunked: the body was answered as a second request.
      {"Transfer-Encoding: ;, chunked\r\n", 400},
      {"Transfer-Encoding: ;x, chunked\r\n", 400},
  };
  for (const auto& c : cases) {
    INFO(c.head);
    raw_client client(env.port());
    // A second request hides in the body: read by any other framing, it would be answered.
    client.send("POST /chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + c.head + "\r\n" + chunked +
                "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    bool closed = false;
    const auto r = client.read_all(&closed);
    CHECK(r.starts_with(fmt::format("HTTP/1.1 {}", c.status)));
    CHECK(closed);
    CHECK(r.find("HTTP/1.1", 1) == std::string::npos);  // one response, nothing smuggled
  }
  {  // HTTP/1.0 with a Transfer-Encoding is faulty framing too
    raw_client client(env.port());
    client.send("POST /chat HTTP/1.0\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked);
    CHECK(client.read_all().starts_with("HTTP/1.1 400"));  // a server answers in its own version
  }
  {  // the control: one final chunked is read as such
    raw_client client(env.port());
    client.send("POST /chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                "Connection: close\r\n\r\n" + chunked);
    CHECK(client.read_all().starts_with("HTTP/1.1 200"));
  }
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("pipeline: a client reset racing the SSE head leaves nothing behind", "[integration][pipeline]") {
  // The upstream holds each answer at a gate; the test opens it and resets the client at about the
  // same moment, so the reset lands before, during or after the SSE head write. Under ASan, any
  // handler that outlived the request's state would be reported here.
  test_env env;
  for (int i = 0; i < 24; ++i) {
    for (const auto& e : endpoints) {
      const auto gate = fmt::format("race{}{}", e.name == "/chat" ? "c" : "v", i);
      const auto question = fmt::format("Soru {} nedir? [[sim hold={}]]", i, gate);
      const auto before = env.sim().stats().completions;
      raw_client client(env.port());
      const auto body = e.body(question, true);
      client.send(fmt::format("POST {} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              "Content-Length: {}\r\n\r\n{}",
                              e.path, body.size(), body));
      // The upstream has the request and holds it.
      REQUIRE(test_env::eventually([&] { return env.sim().stats().completions > before; }));
      env.sim().open_gate(gate);
      if (i % 3) std::this_thread::sleep_for(std::chrono::microseconds(200 * (i % 8)));
      linger reset{1, 0};  // close with RST, not FIN
      ::setsockopt(client.socket.native_handle(), SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
      client.socket.close();
    }
  }
  // Every request ended: no stream open, no upstream connection held, and the gateway still serves.
  CHECK(test_env::eventually([&] { return metric(env, "gateway_open_streams") == 0; }));
  CHECK(test_env::eventually([&] { return metric(env, "gateway_pool_connections_in_use") == 0; }));
  CHECK(test_env::eventually([&] { return env.sim().stats().active_streams == 0; }));
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
}

TEST_CASE("pipeline: the access log's bytes are the body bytes sent, on every route", "[integration][pipeline]") {
  captured_log access;
  env_options options;
  options.access = access.logger(gateway::log_level::info);
  test_env env(options);
  std::vector<std::pair<std::string, std::size_t>> sent;  // path, body size
  const auto models = env.request("GET", "/v1/models", {}, {});
  sent.emplace_back("/v1/models", models.body.size());
  const auto health = env.request("GET", "/healthz", {}, {});
  sent.emplace_back("/healthz", health.body.size());
  const auto chat = env.chat(chat_body("BIST 100 nedir?"));
  sent.emplace_back("/chat", chat.body.size());
  const auto missing = env.request("GET", "/nope", {}, {});
  sent.emplace_back("/nope", missing.body.size());
  REQUIRE(test_env::eventually([&] { return access.lines().size() >= sent.size(); }));
  const auto lines = access.lines();
  // A request's line is written after its reply went out, so the next request's line may come
  // first: each route's line is found by its path (every path here is asked once).
  REQUIRE(lines.size() == sent.size());
  for (const auto& [path, size] : sent) {
    INFO(path);
    std::size_t found = 0;
    for (const auto& line : lines) {
      const auto entry = json::parse(line);
      if (str(entry.at("path")) != path) continue;
      ++found;
      INFO(line);
      CHECK(entry.at("bytes").to_number<std::size_t>() == size);
    }
    CHECK(found == 1);
    CHECK(size > 0);
  }
}

// A stream's head goes out with its first event when that is there already (one write), but never
// waits for it: with a slow first token, the client has the head at once, alone, and then the
// events; with a fast answer, head, events and end come together. Both over one kept connection.
TEST_CASE("pipeline: a stream's head goes out before a slow first token, and with a fast one", "[integration][pipeline]") {
  test_env env;
  raw_client c(env.port());
  const auto ask = [&c](const std::string& question) {
    const auto body = chat_body(question, true);
    c.send("POST /chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\n\r\n" + body);
  };
  // Reads until `marker` is in what came so far (5 s at most: raw_client's receive timeout).
  const auto read_until = [&c](std::string& got, std::string_view marker) {
    char buf[4096];
    while (got.find(marker) == std::string::npos) {
      boost::system::error_code ec;
      const auto n = c.socket.read_some(boost::asio::buffer(buf), ec);
      got.append(buf, n);
      if (ec) return false;
    }
    return true;
  };

  ask("BIST 100 nedir? [[sim ttft=2000 tokens=3]]");
  std::string got;
  REQUIRE(read_until(got, "\r\n\r\n"));
  CHECK(got.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(got.find("Transfer-Encoding: chunked\r\n") != std::string::npos);
  CHECK(got.find("data:") == std::string::npos);  // the first token is 2 s away
  REQUIRE(read_until(got, "\r\n0\r\n\r\n"));        // then the events and the end of the body
  CHECK(got.find("\"done\"") != std::string::npos);

  ask("Enflasyon nedir? [[sim tokens=3]]");
  std::string fast;
  REQUIRE(read_until(fast, "\r\n0\r\n\r\n"));
  CHECK(fast.starts_with("HTTP/1.1 200 OK\r\n"));
  CHECK(fast.find("\"done\"") != std::string::npos);
  CHECK(fast.ends_with("\r\n0\r\n\r\n"));
}

TEST_CASE("pipeline: GET /v1/models is an upstream call like any other - a shutdown ends it after the grace",
          "[integration][pipeline]") {
  // groq-sim answers the model list after 5 s; the shutdown's abort comes long before.
  test_env env(with_sim([](gateway::sim::sim_config& c) { c.ttft = std::chrono::seconds(5); }));
  raw_client client(env.port());
  const auto started = std::chrono::steady_clock::now();
  client.send("GET /v1/models HTTP/1.1\r\nHost: t\r\n\r\n");
  REQUIRE(test_env::eventually([&] { return env.sim().stats().requests == 1; }));
  env.gateway().stop();
  env.gateway().abort_requests();  // what SHUTDOWN_GRACE's end does
  const auto reply = client.read_all();
  CHECK(reply.rfind("HTTP/1.1 503", 0) == 0);
  CHECK(reply.find("\"shutting_down\"") != std::string::npos);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}

// A client's path of invalid bytes, as long as the header limit lets it be: each byte is escaped to
// six in the access line (U+FFFD), and the line is built in a per-thread buffer that is given back
// past 4 KiB. Tried first against a running gateway (5,000 such requests: RSS 23 MB, every line
// valid JSON). Each line stays one valid JSON object with the path decoded as the replacement
// character, and the lines after it - built in the same buffer - are whole.
TEST_CASE("pipeline: a long path of invalid bytes is one valid access line, and the next lines stay whole",
          "[integration][pipeline][hostile]") {
  captured_log access;
  env_options options;
  options.access = access.logger(gateway::log_level::info);
  test_env env(options);
  const std::string invalid(3000, '\xff');
  for (int i = 0; i < 3; ++i) {
    CHECK(env.request("GET", "/nope/" + invalid, {}, {}).status == 404);
    CHECK(env.request("GET", "/healthz", {}, {}).status == 200);
  }
  REQUIRE(test_env::eventually([&] { return access.lines().size() >= 6; }));
  const auto lines = access.lines();
  REQUIRE(lines.size() == 6);
  std::string replaced = "/nope/";
  for (std::size_t i = 0; i < invalid.size(); ++i) replaced += "\xef\xbf\xbd";  // U+FFFD in UTF-8
  int long_ones = 0, short_ones = 0;
  for (const auto& line : lines) {
    REQUIRE(line.back() == '\n');
    REQUIRE(std::count(line.begin(), line.end(), '\n') == 1);
    const auto v = json::parse(line).as_object();  // throws (fails) on anything not one JSON object
    const auto path = std::string(v.at("path").as_string());
    if (path == "/healthz") {
      ++short_ones;
      CHECK(v.at("status").as_int64() == 200);
      CHECK(line.size() < 400);
    } else {
      ++long_ones;
      CHECK(path == replaced);
      CHECK(v.at("status").as_int64() == 404);
    }
  }
  CHECK(long_ones == 3);
  CHECK(short_ones == 3);
}
