// Gateway + groq-sim over verified TLS, in one process: the whole /chat path end to end.
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <future>

using namespace test;
namespace json = boost::json;

TEST_CASE("chat: JSON answer", "[integration]") {
  test_env env;
  const auto r = env.chat(chat_body("BIST 100 nedir?"));
  REQUIRE(r.status == 200);
  CHECK(r.headers.at("content-type") == "application/json; charset=utf-8");
  CHECK_FALSE(r.headers.at("x-request-id").empty());
  const auto v = r.json();
  CHECK(str(v.at("answer")) == expected_answer("BIST 100 nedir?"));
  CHECK(v.at("model") == "openai/gpt-oss-20b");
  CHECK(v.at("cached") == false);
  CHECK(v.at("usage").at("completion_tokens") == 48);
  CHECK(v.at("usage").at("total_tokens").as_int64() > 48);
}

TEST_CASE("chat: a stream arrives while the upstream is still producing, and equals the JSON answer",
          "[integration]") {
  test_env env;
  const std::string question = "Borsa İstanbul nasıl çalışır?";
  bool upstream_busy_at_first_delta = false;
  // The simulator holds the stream after its first token until the gate opens: the first delta
  // can only reach the client incrementally.
  const auto s = env.chat_stream(chat_body(question + " [[sim gate=first]]", true), [&](const auto& ev) {
    if (ev.data.find("\"delta\"") != std::string::npos && !upstream_busy_at_first_delta) {
      const auto st = env.sim().stats();
      upstream_busy_at_first_delta = st.active_streams == 1 && st.streams_completed == 0;
      env.sim().open_gate("first");
    }
    return true;
  });
  REQUIRE(s.status == 200);
  CHECK(upstream_busy_at_first_delta);
  CHECK(s.headers.at("content-type") == "text/event-stream; charset=utf-8");
  CHECK(s.headers.at("cache-control") == "no-cache");
  CHECK(s.headers.at("x-accel-buffering") == "no");
  CHECK(s.saw_done);
  CHECK(s.saw_done_marker);
  CHECK_FALSE(s.error);
  CHECK(s.events.back().data == "[DONE]");
  const auto done = json::parse(s.events[s.events.size() - 2].data);
  CHECK(done.at("done") == true);
  CHECK(done.at("cached") == false);
  CHECK(done.at("model") == "openai/gpt-oss-20b");
  CHECK(done.at("usage").at("completion_tokens") == 48);

  const auto j = env.chat(chat_body(question)).json();
  CHECK(s.text == std::string(j.at("answer").as_string()));
  CHECK(s.text == expected_answer(question));
}

TEST_CASE("chat: history limit and model parameters reach the upstream, key sent as Bearer",
          "[integration]") {
  test_env env;
  json::array history;
  for (int i = 0; i < 6; ++i)
    history.push_back(json::object{{"role", i % 2 ? "assistant" : "user"}, {"content", "geçmiş " + std::to_string(i)}});
  const auto body = chat_body("Temettü nedir?", false, "\"history\":" + json::serialize(history));
  REQUIRE(env.chat(body).status == 200);  // the simulator answers 401 unless the Bearer key matches
  const auto sent = json::parse(env.sim().stats().last_request_body).as_object();
  const auto& messages = sent.at("messages").as_array();
  REQUIRE(messages.size() == 6);
  CHECK(messages[0].at("role") == "system");
  CHECK(messages[1].at("content") == "geçmiş 2");
  CHECK(messages[4].at("content") == "geçmiş 5");
  CHECK(messages[5].at("content") == "Temettü nedir?");
  CHECK(sent.at("max_completion_tokens") == 300);
  CHECK(sent.at("temperature").as_double() == Approx(0.6));
  CHECK(sent.at("top_p").as_double() == Approx(0.85));
  CHECK(sent.at("model") == "openai/gpt-oss-20b");
  CHECK(env.sim().stats().unauthorized == 0);
}

TEST_CASE("chat: a wrong upstream key is 502 upstream_auth and the key is never echoed", "[integration]") {
  test_env env(with_gateway([](auto& c) { c.groq_api_key = "wrong-key-abcdef"; }));
  const auto r = env.chat(chat_body("BIST 100 nedir?"));
  CHECK(r.status == 502);
  CHECK(r.json().at("error").at("code") == "upstream_auth");
  CHECK(r.body.find("wrong-key-abcdef") == std::string::npos);
  CHECK(env.sim().stats().unauthorized == 1);
}

TEST_CASE("chat: sequential requests reuse one pooled TLS connection", "[integration]") {
  test_env env;
  for (int i = 0; i < 5; ++i) {
    REQUIRE(env.chat(chat_body("soru " + std::to_string(i))).status == 200);
    REQUIRE(env.chat_stream(chat_body("akış " + std::to_string(i), true)).saw_done_marker);
  }
  CHECK(env.sim().stats().tls_handshakes == 1);
  CHECK(env.sim().stats().connections == 1);
}

TEST_CASE("chat: plain http upstreams work too", "[integration]") {
  test_env env(plain_http_upstream());
  const auto r = env.chat(chat_body("BIST 100 nedir?"));
  REQUIRE(r.status == 200);
  CHECK(env.sim().stats().tls_handshakes == 0);
}

TEST_CASE("chat: upstream errors map to the documented status and code", "[integration]") {
  // One attempt each and no breaker: this is about the mapping (retries: resilience_test.cpp).
  test_env env(with_gateway([](auto& c) {
    c.upstream_max_retries = 0;
    c.breaker_failures = 0;
  }));
  struct row {
    std::string directive;
    unsigned status;
    std::string code;
  };
  const std::vector<row> rows = {
      {"status=429 retry_after=7", 429, "rate_limited"},
      {"status=401", 502, "upstream_auth"},
      {"status=403", 502, "upstream_auth"},
      {"status=404", 502, "upstream_rejected"},
      {"status=400", 502, "upstream_rejected"},
      {"status=500", 502, "upstream_error"},
      {"status=503", 502, "upstream_error"},
  };
  for (const auto& r : rows) {
    for (bool stream : {false, true}) {
      INFO(r.directive << (stream ? " (stream)" : ""));
      const auto res = env.chat(chat_body("x [[sim " + r.directive + "]]", stream));
      CHECK(res.status == r.status);
      CHECK(res.headers.at("content-type") == "application/json; charset=utf-8");
      CHECK(str(res.json().at("error").at("code")) == r.code);
      if (r.status == 429) CHECK(res.headers.at("retry-after") == "7");
      if (r.code == "upstream_rejected") CHECK(res.json().at("error").at("message").as_string().find("simulated HTTP") != json::string::npos);
    }
  }
}

TEST_CASE("chat: an upstream stall is 504 upstream_timeout after UPSTREAM_TIMEOUT", "[integration]") {
  test_env env(with_gateway([](auto& c) { c.upstream_timeout = std::chrono::milliseconds(300); }));
  const auto r = env.chat(chat_body("x [[sim stall=20000]]"));
  CHECK(r.status == 504);
  CHECK(r.json().at("error").at("code") == "upstream_timeout");
  // The stalled connection is not reused: the next request opens a new one and succeeds.
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
}

TEST_CASE("chat: a whole-request deadline cuts a slow stream with an error event", "[integration]") {
  test_env env(with_gateway([](auto& c) {
    c.request_timeout = std::chrono::milliseconds(1500);
    c.upstream_timeout = std::chrono::milliseconds(1000);
  }));
  const auto s = env.chat_stream(chat_body("x [[sim interval=100 tokens=40]]", true));
  REQUIRE(s.status == 200);
  REQUIRE(s.error);
  CHECK(s.error->at("code") == "upstream_timeout");
  CHECK_FALSE(s.saw_done_marker);
}

TEST_CASE("chat: a stalled stream is cut after STREAM_IDLE_TIMEOUT", "[integration]") {
  test_env env(with_gateway([](auto& c) { c.stream_idle_timeout = std::chrono::milliseconds(500); }));
  const auto s = env.chat_stream(chat_body("x [[sim gate=never]]", true));
  REQUIRE(s.error);
  INFO(json::serialize(*s.error));
  CHECK(s.error->at("code") == "upstream_timeout");
  CHECK(s.text.size() > 0);  // the first token did arrive
  CHECK_FALSE(s.saw_done_marker);
}

TEST_CASE("chat: keep-alive comments do not keep a stalled stream from its STREAM_IDLE_TIMEOUT",
          "[integration][keepalive]") {
  test_env env(with_gateway([](auto& c) {
    c.stream_idle_timeout = std::chrono::milliseconds(500);
    c.sse_keepalive_interval = std::chrono::milliseconds(100);  // five comments per idle timeout
    c.request_timeout = std::chrono::seconds(3);
  }));
  const auto s = env.chat_stream(chat_body("x [[sim gate=never]]", true));
  REQUIRE(s.error);
  INFO(json::serialize(*s.error));
  CHECK(s.error->at("code") == "upstream_timeout");
  // Cut as stalled, not at REQUEST_TIMEOUT ("request deadline exceeded"), though comments went out.
  CHECK(json::serialize(*s.error).find("stalled") != std::string::npos);
  CHECK(s.body.find(": keep-alive") != std::string::npos);
}

TEST_CASE("chat: client disconnect mid-stream closes the upstream connection", "[integration]") {
  test_env env;
  const auto s = env.chat_stream(chat_body("BIST 100 nedir? [[sim gate=held]]", true), [](const auto& ev) {
    return ev.data.find("\"delta\"") == std::string::npos;  // hang up at the first delta
  });
  CHECK(s.closed_by_client);
  // The simulator is still holding the stream at its gate: only the gateway closing the upstream
  // connection can end it.
  CHECK(test_env::eventually([&] { return env.sim().stats().streams_aborted == 1; }));
  CHECK(env.sim().stats().streams_completed == 0);
}

TEST_CASE("chat: mid-stream upstream failures end with an error event, never [DONE]", "[integration]") {
  test_env env;
  for (std::string directive : {"drop_after=3", "malformed_after=3", "error_after=3"}) {
    INFO(directive);
    const auto s = env.chat_stream(chat_body("BIST 100 nedir? [[sim " + directive + "]]", true));
    REQUIRE(s.status == 200);
    REQUIRE(s.error);
    CHECK(s.error->at("code") == "upstream_error");
    CHECK_FALSE(s.saw_done_marker);
    CHECK_FALSE(s.saw_done);
    CHECK(s.text == expected_answer("BIST 100 nedir?", 3));  // what came before the failure
  }
  CHECK(env.chat(chat_body("hâlâ çalışıyor mu?")).status == 200);
}

TEST_CASE("chat: 100 concurrent streaming clients all get complete, correct answers", "[integration]") {
  test_env env(with_sim([](auto& s) { s.token_interval = std::chrono::milliseconds(2); }));
  std::vector<std::future<stream_result>> results;
  for (int i = 0; i < 100; ++i)
    results.push_back(std::async(std::launch::async, [&env, i] {
      return env.chat_stream(chat_body("eşzamanlı soru " + std::to_string(i), true));
    }));
  for (int i = 0; i < 100; ++i) {
    const auto s = results[i].get();
    INFO("client " << i);
    CHECK(s.status == 200);
    CHECK(s.saw_done_marker);
    CHECK_FALSE(s.error);
    CHECK(s.text == expected_answer("eşzamanlı soru " + std::to_string(i)));
  }
  CHECK(env.sim().stats().streams_completed == 100);
}

TEST_CASE("chat: a pooled connection that died is replaced transparently", "[integration]") {
  test_env env;
  // The simulator answers, keeps the connection open, and closes it without a byte when the next
  // request arrives: exactly a keep-alive connection the server dropped while it sat in the pool.
  REQUIRE(env.chat(chat_body("birinci [[sim drop_next=1]]")).status == 200);
  const auto r = env.chat(chat_body("ikinci"));
  CHECK(r.status == 200);
  CHECK(str(r.json().at("answer")) == expected_answer("ikinci"));
  CHECK(env.sim().stats().connections == 2);
  CHECK(env.sim().stats().completions == 2);  // the dropped attempt never reached the completion handler
}
