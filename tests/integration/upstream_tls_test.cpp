// The upstream's certificate is verified: a certificate the gateway does not trust, or one for
// another name, fails the TLS handshake and the request gets 502 - no answer from an impostor.
#include "support/test_env.hpp"
#include "tls/self_signed.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <unistd.h>

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
  const std::string ca_path = "/tmp/gateway-test-other-name-" + std::to_string(::getpid()) + ".pem";
  env_options options;
  options.sim = [&](gateway::sim::sim_config& sc) {
    sc.tls = gateway::make_self_signed({"other.example"});  // not 127.0.0.1
    std::ofstream(ca_path) << sc.tls->certificate;
  };
  options.gateway = [&](gateway::gateway_config& c) {
    c.groq_ca_file = ca_path;
    c.upstream_max_retries = 0;
  };
  {
    test_env env(options);
    const auto r = env.chat(chat_body("BIST 100 nedir?"));
    CHECK(r.status == 502);
    CHECK(r.json().at("error").at("code") == "upstream_error");
  CHECK(str(r.json().at("error").at("message")).find("TLS") != std::string::npos);
    CHECK(env.sim().stats().completions == 0);
  }
  std::remove(ca_path.c_str());
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
