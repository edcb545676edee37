// Client-side TLS session resumption for one upstream: the newest session the upstream gave this
// gateway, offered by every new connection to it.
//
// Why: a full handshake costs the gateway many times what a request does (ECDSA P-256, X25519):
// much of it parses and verifies the certificate, which a resumed handshake skips (the session
// carries the certificate verified when it was made; benchmark 9). A burst of new upstream
// connections - after a stall, an open-loop client opens more - then costs the one io thread far
// less. nginx does the same for its upstreams (proxy_ssl_session_reuse, on by default).
//
// How: make_client_tls_context() turns on OpenSSL's client session callback; a connection that
// use()s a cache is tagged with it and starts with a copy of the newest session, and every session
// that connection receives (TLS 1.3 tickets arrive after the handshake, read with the response)
// replaces the cache's newest one. A server that refuses a session costs nothing but the full
// handshake it would have done anyway.
//
// A cache serves one peer (host and port), named when it is made: OpenSSL resumes a session without
// verifying the certificate again, whatever host the connection expects, so a session offered to
// another host would let that host in on the first one's certificate. use() offers nothing to a
// connection for another peer.
//
// Threading: thread-safe (one mutex, held to copy or swap a session); connections of many io
// threads share one cache. The cache must outlive every connection that use()d it.
#pragma once

#include <openssl/ssl.h>

#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace gateway {

class tls_session_cache {
 public:
  /// `peer`: the host and port whose sessions this cache keeps, e.g. "api.groq.com:443".
  explicit tls_session_cache(std::string peer) : peer_(std::move(peer)) {}
  ~tls_session_cache();
  tls_session_cache(const tls_session_cache&) = delete;
  tls_session_cache& operator=(const tls_session_cache&) = delete;

  /// Installs the new-session callback on a client context (once, at start-up).
  static void enable(SSL_CTX* ctx);

  /// Before `ssl`'s handshake with `peer` (host and port): offers the newest session, if any, and
  /// keeps the sessions `ssl` receives from now on. For another peer than the cache's: neither.
  void use(SSL* ssl, std::string_view peer);

 private:
  static int on_new_session(SSL* ssl, SSL_SESSION* session);
  void store(SSL_SESSION* session);

  const std::string peer_;
  std::mutex mutex_;
  SSL_SESSION* newest_ = nullptr;  // guarded by mutex_; owns one reference
};

}  // namespace gateway
