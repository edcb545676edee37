// groq-sim: a Groq-compatible upstream on the gateway's own stack, for offline `make run`, the
// integration tests and the benchmarks. Serves POST /openai/v1/chat/completions (JSON or SSE, in
// Groq's formats), GET /openai/v1/models, and test hooks under /sim/. Faults are chosen per request
// by a directive in the question (see sim_script.hpp).
// Threading: construct, start() and stop() from any thread; the caller runs the io_context.
#pragma once

#include "core/logger.hpp"
#include "net/asio_fwd.hpp"
#include "tools/sim/sim_limits.hpp"
#include "tls/self_signed.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gateway::sim {

struct sim_config {
  std::string host = "127.0.0.1";
  unsigned short port = 0;  // 0: any free port
  /// Serve HTTPS with this certificate and key; plain HTTP when unset.
  std::optional<pem_pair> tls;
  /// When set, requests must send "Authorization: Bearer <one of them>" (else 401, as Groq does).
  std::vector<std::string> api_keys;
  /// Rate limits, as Groq applies them: per key and per model, each pair with its own windows.
  /// Every answer then carries x-ratelimit-* headers (resets in Go's duration format), and a
  /// request past a limit gets 429 with Retry-After. 0: no limit (and no headers for it).
  sim_limit limits;                                // for every model without its own
  std::map<std::string, sim_limit> model_limits;   // by model name
  /// Default pacing; a request's directive overrides it. GET /models waits `ttft` too.
  std::chrono::milliseconds ttft{0};
  std::chrono::milliseconds token_interval{0};
  /// Default answer length in tokens (capped by the request's max_completion_tokens).
  unsigned answer_tokens = 48;
  /// Write every stream event in two pieces cut inside a UTF-8 character.
  bool split_writes = false;
};

struct sim_stats {
  std::uint64_t requests = 0;           // every HTTP request
  std::uint64_t completions = 0;        // chat completion requests
  std::uint64_t connections = 0;        // TCP connections accepted
  std::uint64_t tls_handshakes = 0;     // completed TLS handshakes
  std::uint64_t tls_resumed = 0;        // of those, handshakes that resumed a session
  std::uint64_t streams_started = 0;
  std::uint64_t streams_completed = 0;
  std::uint64_t streams_aborted = 0;    // the peer closed the connection mid-stream
  std::int64_t active_streams = 0;
  std::uint64_t unauthorized = 0;
  std::uint64_t rate_limited = 0;       // 429s for a spent limit (not directive faults)
  /// Authorized, well-formed completion requests by key (1-based position in api_keys; 0 without
  /// keys), by model, and by both ("1 openai/gpt-oss-20b"): each counted, refused or not.
  std::map<std::size_t, std::uint64_t> by_key;
  std::map<std::string, std::uint64_t> by_model;
  std::map<std::string, std::uint64_t> by_route;
  std::string last_request_body;
  std::string last_request_id;          // the X-Request-Id header of the last completion request
  std::string last_traceparent;         // its traceparent header ("" for none)
  std::string last_tracestate;          // its tracestate header ("" for none)
  std::uint64_t traced_completions = 0; // completion requests that carried a traceparent
};

class sim_server {
 public:
  sim_server(asio::io_context& ioc, sim_config cfg, logger log);
  ~sim_server();

  void start();
  void stop();
  unsigned short port() const;
  sim_stats stats() const;
  /// Zeroes the stats and the per-key fault counters, closes all gates.
  void reset();
  /// Releases every stream waiting on gate `name` (and later ones pass straight through).
  void open_gate(const std::string& name);
  /// TLS: new session-ticket keys, so that every session given out so far is refused (as by a
  /// server that restarted). Between requests only.
  void forget_tls_sessions();

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace gateway::sim
