// The upstream's certificate is verified: a certificate the gateway does not trust, or one for
// another name, fails the TLS handshake and the request gets 502 - no answer from an impostor.
#include "support/test_env.hpp"
#include "tls/self_signed.hpp"

#include <catch2/catch.hpp>

#include <optional>

using namespace test;

TEST_CASE("upstream TLS: an untrusted certificate fails the handshake", "[integration][tls]") {
  test_env env(with_gateway([](auto& c) {
    c.groq_ca_file.clear();  // the system store only
    c.upstream_max_retries = 0;
  }));
  const auto r = env.chat(chat_body("BIST 100 nedir?"));
  CHECK(r.status == 502);
  CHECK(r.json().at("error").at("code") == "upstream_error");
  CHECK(str(r.json().at("error").at("message")).find("TLS") != std::string::npos);
  CHECK(env.sim().stats().completions == 0);
}

TEST_CASE("upstream TLS: a trusted certificate for another name fails the handshake", "[integration][tls]") {
  std::optional<temp_file> ca;
  env_options options;
  options.sim = [&](gateway::sim::sim_config& sc) {
    sc.tls = gateway::make_self_signed({"other.example"});  // not 127.0.0.1
    ca.emplace(sc.tls->certificate);
  };
  options.gateway = [&](gateway::gateway_config& c) {
    c.groq_ca_file = ca->path();
    c.upstream_max_retries = 0;
  };
  test_env env(options);
  const auto r = env.chat(chat_body("BIST 100 nedir?"));
  CHECK(r.status == 502);
  CHECK(r.json().at("error").at("code") == "upstream_error");
  CHECK(str(r.json().at("error").at("message")).find("TLS") != std::string::npos);
  CHECK(env.sim().stats().completions == 0);
}

// A stream whose events come slowly gives its read buffers back before each wait (OpenSSL's and
// the connection's; upstream_connection::release_buffers) and allocates them again for the next
// event. Events written in two pieces cut inside a UTF-8 character, 150 ms apart, cross that on
// every event: every byte still arrives, and the connection ends clean enough to be reused.
TEST_CASE("upstream TLS: a slow stream that gives its buffers back between events relays every byte", "[integration][tls]") {
  test_env env;
  const std::string question = "Enflasyon nedir? [[sim interval=150 tokens=6 split=1]]";
  const auto s = env.chat_stream(chat_body(question, true));
  REQUIRE(s.status == 200);
  CHECK_FALSE(s.error);
  CHECK(s.saw_done_marker);
  CHECK(s.text == expected_answer("Enflasyon nedir?", 6));
  const auto second = env.chat_stream(chat_body("Faiz nedir? [[sim interval=150 tokens=3 split=1]]", true));
  CHECK(second.text == expected_answer("Faiz nedir?", 3));
  CHECK(env.sim().stats().tls_handshakes == 1);  // the first stream's connection was reused
}

// The fast side of the slow stream above: events cut inside a UTF-8 character every few
// milliseconds (the read buffers kept between them), and a whole answer at once (a backlog of many
// records, read in as many reads as the connection's buffer needs), arrive byte for byte, and the
// connection is reused for all three requests.
TEST_CASE("upstream TLS: a fast stream and a burst relay every byte on one connection", "[integration][tls]") {
  test_env env;
  const auto fast = env.chat_stream(chat_body("Enflasyon nedir? [[sim interval=3 tokens=40 split=1]]", true));
  REQUIRE(fast.status == 200);
  CHECK_FALSE(fast.error);
  CHECK(fast.saw_done_marker);
  CHECK(fast.text == expected_answer("Enflasyon nedir?", 40));
  const auto burst = env.chat_stream(chat_body("Faiz nedir? [[sim interval=0 tokens=250]]", true));
  REQUIRE(burst.status == 200);
  CHECK_FALSE(burst.error);
  CHECK(burst.text == expected_answer("Faiz nedir?", 250));
  const auto json = env.chat(chat_body("Borsa nedir? [[sim interval=2 tokens=30]]"));
  CHECK(json.status == 200);
  CHECK(env.sim().stats().tls_handshakes == 1);  // one connection for all three
}

// New upstream connections resume the TLS session the upstream gave the last one (no certificate
// sent, parsed or verified again), as nginx's proxy_ssl_session_reuse does: with no pool, every
// request opens a connection, and all but the first resume.
TEST_CASE("upstream TLS: new connections resume the upstream's newest session", "[integration][tls]") {
  test_env env(with_gateway([](auto& c) { c.upstream_pool_size = 0; }));
  for (const char* q : {"BIST 100 nedir?", "Enflasyon nedir?", "Faiz nedir?"}) {
    const auto r = env.chat(chat_body(q));
    CHECK(r.status == 200);
    CHECK(str(r.json().at("answer")) == expected_answer(q));
  }
  const auto st = env.sim().stats();
  CHECK(st.tls_handshakes == 3);
  CHECK(st.tls_resumed == 2);
  const auto m = env.request("GET", "/metrics", {}, {}).body;
  CHECK(m.find("\ngateway_pool_connections_created_total 3\n") != std::string::npos);
  CHECK(m.find("\ngateway_pool_tls_resumed_total 2\n") != std::string::npos);
}

// A session the upstream no longer accepts (its ticket keys changed, as after a restart) costs a
// full handshake and nothing else: the request is answered, and the new session is kept.
TEST_CASE("upstream TLS: a session the upstream refuses falls back to a full handshake", "[integration][tls]") {
  test_env env(with_gateway([](auto& c) { c.upstream_pool_size = 0; }));
  CHECK(env.chat(chat_body("BIST 100 nedir?")).status == 200);
  env.sim().forget_tls_sessions();
  for (const char* q : {"Enflasyon nedir?", "Faiz nedir?"}) {
    const auto r = env.chat(chat_body(q));
    CHECK(r.status == 200);
    CHECK(str(r.json().at("answer")) == expected_answer(q));
  }
  const auto st = env.sim().stats();
  CHECK(st.tls_handshakes == 3);
  CHECK(st.tls_resumed == 1);  // the third request's: the second's handshake was a full one
}
