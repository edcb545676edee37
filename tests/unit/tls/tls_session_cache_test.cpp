// tls_session_cache: client and server handshakes in memory (an OpenSSL BIO pair, no sockets), with
// the gateway's own client context and groq-sim's server context. Also in the TSan build: threads
// share one cache as the io threads do.
#include "support/temp_file.hpp"
#include "tls/self_signed.hpp"
#include "tls/tls_context.hpp"
#include "tls/tls_session_cache.hpp"

#include <catch2/catch.hpp>
#include <openssl/bio.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

using namespace gateway;

namespace {

struct tls_pair {
  gateway::pem_pair pem = make_self_signed({"localhost"});
  test::temp_file ca{pem.certificate};
  boost::asio::ssl::context client = make_client_tls_context(ca.path());
  boost::asio::ssl::context server = make_server_tls_context(pem.certificate, pem.private_key);
};

struct outcome {
  bool ok = false;
  bool resumed = false;
};

// One connection: the handshake, the server's first bytes read by the client (which reads the
// session tickets sent before them), then both freed without a TLS shutdown, as the gateway drops
// a connection it does not pool. `cache` null: the connection uses none.
outcome connect_once(tls_pair& p, tls_session_cache* cache, const std::string& host = "localhost") {
  SSL* c = SSL_new(p.client.native_handle());
  SSL* s = SSL_new(p.server.native_handle());
  BIO *cb = nullptr, *sb = nullptr;
  BIO_new_bio_pair(&cb, 0, &sb, 0);
  SSL_set_bio(c, cb, cb);
  SSL_set_bio(s, sb, sb);
  SSL_set_connect_state(c);
  SSL_set_accept_state(s);
  SSL_set_verify(c, SSL_VERIFY_PEER, nullptr);
  SSL_set1_host(c, host.c_str());
  if (cache) cache->use(c, host + ":443");
  outcome out;
  int cr = 0, sr = 0;
  for (int round = 0; round < 20 && (cr != 1 || sr != 1); ++round) {
    if (cr != 1) cr = SSL_do_handshake(c);
    if (sr != 1) sr = SSL_do_handshake(s);
  }
  if (cr == 1 && sr == 1) {
    char byte = 'x';
    std::size_t n = 0;
    out.ok = SSL_write_ex(s, &byte, 1, &n) == 1 && SSL_read_ex(c, &byte, 1, &n) == 1 && byte == 'x';
    out.resumed = SSL_session_reused(c) == 1 && SSL_session_reused(s) == 1;
  }
  SSL_free(c);
  SSL_free(s);
  return out;
}

}  // namespace

TEST_CASE("TLS sessions: new connections resume the newest session, though each is freed without a shutdown",
          "[tls][session]") {
  tls_pair p;
  tls_session_cache cache("localhost:443");
  const auto first = connect_once(p, &cache);
  CHECK(first.ok);
  CHECK_FALSE(first.resumed);  // nothing to offer yet
  for (int i = 0; i < 3; ++i) {
    const auto next = connect_once(p, &cache);
    CHECK(next.ok);
    CHECK(next.resumed);
  }
}

TEST_CASE("TLS sessions: a connection without a cache neither offers nor keeps a session", "[tls][session]") {
  tls_pair p;
  tls_session_cache cache("localhost:443");
  CHECK_FALSE(connect_once(p, nullptr).resumed);
  CHECK_FALSE(connect_once(p, nullptr).resumed);
  CHECK_FALSE(connect_once(p, &cache).resumed);  // the cache-less connections gave it nothing
  CHECK(connect_once(p, &cache).resumed);
  tls_session_cache other("localhost:443");  // another cache: this one's sessions do not reach it
  CHECK_FALSE(connect_once(p, &other).resumed);
}

TEST_CASE("TLS sessions: a session is offered to its own peer only", "[tls][session]") {
  tls_pair p;
  tls_session_cache cache("localhost:443");
  CHECK(connect_once(p, &cache).ok);
  // OpenSSL resumes a session without verifying the certificate again, whatever host the
  // connection expects: offered to "impostor.example", the session for "localhost" would let it
  // in. The cache offers it nothing, so its certificate (for "localhost") is verified and refused.
  const auto other = connect_once(p, &cache, "impostor.example");
  CHECK_FALSE(other.ok);
  CHECK_FALSE(other.resumed);
  CHECK(connect_once(p, &cache).resumed);  // the cache's session survives the failure
}

TEST_CASE("TLS sessions: connections on several threads share one cache", "[tls][session]") {
  tls_pair p;
  tls_session_cache cache("localhost:443");
  constexpr int threads = 4, each = 10;
  std::atomic<int> ok{0}, resumed{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < each; ++i) {
        const auto r = connect_once(p, &cache);
        ok += r.ok;
        resumed += r.resumed;
      }
    });
  for (auto& w : workers) w.join();
  CHECK(ok == threads * each);
  // Each thread's connections after its first find a session (its own first one's, at least).
  CHECK(resumed >= threads * (each - 1));
}
