#include "tls/tls_session_cache.hpp"

#include <stdexcept>
#include <utility>

namespace gateway {
namespace {

// The SSL object's slot that names the cache its sessions go to (none: they are dropped).
int cache_slot() {
  static const int slot = [] {
    const int i = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
    if (i < 0) throw std::runtime_error("SSL_get_ex_new_index failed");
    return i;
  }();
  return slot;
}

}  // namespace

tls_session_cache::~tls_session_cache() {
  if (newest_) SSL_SESSION_free(newest_);
}

void tls_session_cache::enable(SSL_CTX* ctx) {
  cache_slot();  // allocated at start-up, not on the first connection's thread
  // Client sessions go to the callback only: OpenSSL's own store is for servers' lookups.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, &tls_session_cache::on_new_session);
}

// Each connection gets a copy of its own too: one freed without a shutdown before a new ticket
// replaced its session would otherwise mark the cache's one not resumable (see below).
void tls_session_cache::use(SSL* ssl, std::string_view peer) {
  if (peer != peer_) return;
  SSL_set_ex_data(ssl, cache_slot(), this);
  SSL_SESSION* copy = nullptr;
  {
    std::lock_guard lock(mutex_);
    if (newest_) copy = SSL_SESSION_dup(newest_);
  }
  if (!copy) return;
  SSL_set_session(ssl, copy);  // takes a reference of its own
  SSL_SESSION_free(copy);
}

// The cache keeps a copy, not the session OpenSSL hands over: that one stays the connection's own,
// and OpenSSL marks a connection's session not resumable when the connection is freed without a
// TLS shutdown (as a pooled connection is), which would spoil it for every later connection.
// (nginx keeps its upstream sessions serialized, to the same effect.) Returning 0 leaves the
// original to OpenSSL.
int tls_session_cache::on_new_session(SSL* ssl, SSL_SESSION* session) {
  auto* cache = static_cast<tls_session_cache*>(SSL_get_ex_data(ssl, cache_slot()));
  if (!cache || !SSL_SESSION_is_resumable(session)) return 0;
  if (SSL_SESSION* copy = SSL_SESSION_dup(session)) cache->store(copy);
  return 0;
}

void tls_session_cache::store(SSL_SESSION* session) {
  SSL_SESSION* old = nullptr;
  {
    std::lock_guard lock(mutex_);
    old = std::exchange(newest_, session);
  }
  if (old) SSL_SESSION_free(old);
}

}  // namespace gateway
