// Noticing a client that went away while we wait on the upstream on its behalf, without reading
// from it (http/downstream.hpp holds one for every answer the relay produces).
// Threading: strand-only (the client connection's strand).
#pragma once

#include "net/asio_fwd.hpp"

#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <memory>

namespace gateway {

/// While the answer is being produced, a readiness wait on the client socket notices a client that
/// closed its connection and calls `on_gone` on the strand, so that the upstream call is cut at once
/// (no tokens are paid for nobody). Readiness is only a hint: a peek tells EOF from a spurious wake-up
/// (wait again) and from bytes of a pipelined next request (then the watch ends, and a disconnect is
/// noticed at the next write instead). `*watching` is true while the watch is on.
void watch_client(boost::beast::tcp_stream& client, const std::shared_ptr<bool>& watching,
                  const asio::any_io_executor& strand, std::function<void()> on_gone);
/// Ends the watch (cancels the readiness wait). Call before the request's state goes away.
void stop_watching(boost::beast::tcp_stream& client, const std::shared_ptr<bool>& watching);

/// watch_client() for a scope: the watch ends (at the latest) when the scope is left, however it is
/// left, so `on_gone` never runs after what it refers to is gone. stop() ends it earlier - before a
/// write that must not be cancelled, since ending a watch cancels the socket's pending operations.
class client_watch {
 public:
  client_watch(boost::beast::tcp_stream& client, const asio::any_io_executor& strand, std::function<void()> on_gone)
      : client_(client), watching_(std::make_shared<bool>(false)) {
    watch_client(client_, watching_, strand, std::move(on_gone));
  }
  ~client_watch() { stop(); }
  client_watch(const client_watch&) = delete;
  client_watch& operator=(const client_watch&) = delete;
  void stop() { stop_watching(client_, watching_); }

 private:
  boost::beast::tcp_stream& client_;
  std::shared_ptr<bool> watching_;
};

}  // namespace gateway
