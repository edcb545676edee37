// The spans of one upstream call's attempts, when its request's trace is recorded (lib/trace). Each
// attempt is a client span of its own under the call's span, as the HTTP conventions have it (a
// resend is a new span, numbered by http.request.resend_count), carrying the route it took and
// the events of its connection: a pooled one reused, a stale one replaced, a new one's TCP connect
// and TLS handshake (full or resumed), the answer's first byte. Between attempts the call's span
// gets the `retry` (with its delay and cause) and `route_change` events. Each attempt's
// traceparent names the attempt's own span, so that the upstream's spans hang under the attempt
// that reached it.
// Nothing here exists for a request that is not recorded: the caller passes no attempt_trace.
// Threading: strand-only (the request's), as request_spans.
#pragma once

#include "core/error.hpp"
#include "trace/request_spans.hpp"
#include "transport/upstream_client.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

class upstream_route;

class attempt_trace {
 public:
  /// `call`: the call's span (the attempts' parent). `method`: the requests' HTTP method (a
  /// literal: it names the spans). `host`: the upstream's. `tracestate`: the client's, passed on
  /// as it came (already checked), or "". `configured`: the models of the call's routes that the
  /// operator configured (MODEL, FALLBACK_MODELS), kept alive by the caller for the call: only
  /// those are recorded - a model a /v1 client named has routes of its own, but its name is the
  /// client's text and stays out of the attempts' attributes.
  attempt_trace(request_spans& spans, request_spans::ref call, std::string_view method, std::string host,
                std::string tracestate, const std::vector<std::string>& configured);

  /// Starts attempt `number` (1-based) on `route`: the previous one, if still open, ends.
  void begin(const upstream_route& route, unsigned number);
  /// The trace header lines of the attempt begun last.
  std::string_view fields() const { return fields_; }
  /// Where the attempt's connection events go (read when the attempt ends).
  connection_events* connection() { return &connection_; }
  /// The attempt got an answer head with `status`.
  void answered(unsigned status);
  /// The attempt failed without an answer.
  void failed(error cause);
  /// A retry of the route waits `delay` after a failure of `cause`.
  void retry(std::chrono::milliseconds delay, error cause);
  /// Every route is spent: the call waits `delay` for the earliest budget reset (QUEUE_TIMEOUT).
  void budget_wait(std::chrono::milliseconds delay);
  /// The call moves to another route (key, or fallback model).
  void route_change(const upstream_route& from, const upstream_route& to);

 private:
  void record_connection();
  /// "key #2 llama-3.1-8b-instant", or "key #2" when the model is not a configured one.
  std::string route_text(const upstream_route& r) const;
  bool configured(const upstream_route& r) const;
  request_spans& spans_;
  const request_spans::ref call_;
  request_spans::ref attempt_ = request_spans::none;
  const std::string_view method_;
  const std::string host_, tracestate_;
  const std::vector<std::string>& configured_;
  std::string fields_;
  connection_events connection_;
};

}  // namespace gateway
