#include "upstream/attempt_trace.hpp"

#include "trace/trace_context.hpp"
#include "upstream/upstream_routes.hpp"

#include <algorithm>

namespace gateway {
namespace {

std::int64_t count(std::size_t n) { return static_cast<std::int64_t>(n); }

}  // namespace

attempt_trace::attempt_trace(request_spans& spans, request_spans::ref call, std::string_view method,
                             std::string host, std::string tracestate, const std::vector<std::string>& configured)
    : spans_(spans),
      call_(call),
      method_(method),
      host_(std::move(host)),
      tracestate_(std::move(tracestate)),
      configured_(configured) {}

bool attempt_trace::configured(const upstream_route& r) const {
  return std::find(configured_.begin(), configured_.end(), r.model()) != configured_.end();
}

std::string attempt_trace::route_text(const upstream_route& r) const {
  auto text = "key #" + std::to_string(r.key() + 1);
  if (configured(r)) text.append(" ").append(r.model());
  return text;
}

void attempt_trace::begin(const upstream_route& route, unsigned number) {
  spans_.end(attempt_);
  attempt_ = spans_.start(std::string(method_), span_kind::client, call_);
  connection_ = {};
  spans_.set(attempt_, "http.request.method", std::string(method_));
  spans_.set(attempt_, "server.address", host_);
  if (number > 1) spans_.set(attempt_, "http.request.resend_count", count(number - 1));
  // The route: the key's position (never the key) and, for a chat request, the model it asks
  // for when it is a configured one (a /v1 client's own model is on the call's span, as an
  // attribute, already).
  spans_.set(attempt_, "gateway.upstream.key", count(route.key() + 1));
  if (method_ == "POST" && configured(route)) spans_.set(attempt_, "gen_ai.request.model", route.model());
  // The upstream's spans go under this attempt (under the call's span when the request's span
  // budget is spent and the attempt has none).
  trace_context trace;
  trace.trace_id = spans_.trace_id();
  trace.parent_id = spans_.id(attempt_ == request_spans::none ? call_ : attempt_);
  trace.sampled = true;
  fields_ = upstream_trace_fields(trace, tracestate_);
}

void attempt_trace::record_connection() {
  spans_.set(attempt_, "gateway.connection.reused", connection_.reused);
  if (connection_.stale)
    spans_.event(attempt_, "stale_connection", {{"gateway.connection.stale", count(connection_.stale)}});
  if (connection_.connected) spans_.event_at(attempt_, "connect", request_spans::unix_ns(*connection_.connected));
  if (connection_.handshaken)
    spans_.event_at(attempt_, "tls_handshake", request_spans::unix_ns(*connection_.handshaken), {{"tls.resumed", connection_.resumed}});
}

void attempt_trace::answered(unsigned status) {
  record_connection();
  spans_.event(attempt_, "first_byte");
  spans_.set(attempt_, "http.response.status_code", static_cast<std::int64_t>(status));
  if (status >= 400) spans_.fail(attempt_, std::to_string(status));
  spans_.end(attempt_);
}

void attempt_trace::failed(error cause) {
  record_connection();
  spans_.fail(attempt_, make_error_code(cause).message());
  spans_.end(attempt_);
}

void attempt_trace::retry(std::chrono::milliseconds delay, error cause) {
  spans_.event(call_, "retry",
               {{"gateway.retry.delay_ms", static_cast<std::int64_t>(delay.count())},
                {"error.type", make_error_code(cause).message()}});
}

void attempt_trace::budget_wait(std::chrono::milliseconds delay) {
  spans_.event(call_, "budget_wait", {{"gateway.budget_wait.delay_ms", static_cast<std::int64_t>(delay.count())}});
}

void attempt_trace::route_change(const upstream_route& from, const upstream_route& to) {
  spans_.event(call_, "route_change",
               {{"gateway.upstream.from", route_text(from)}, {"gateway.upstream.to", route_text(to)}});
}

}  // namespace gateway
