#include "relay/upstream_trace.hpp"

#include "http/trace_headers.hpp"
#include "trace/trace_context.hpp"

#include <openssl/rand.h>

#include <array>

namespace gateway {

upstream_trace trace_upstream(request_context& rc, request_spans::ref call, std::string_view method,
                              const std::string& host, const route_set& routing) {
  upstream_trace out;
  if (rc.spans) {
    // Recorded here: the upstream's spans go under this request's attempts, under its call.
    auto tracestate = client_trace(rc.req) ? client_tracestate(rc.req) : std::string();
    out.attempts = std::make_unique<attempt_trace>(*rc.spans, call == request_spans::none ? request_spans::server : call,
                                                   method, host, std::move(tracestate), routing.routes.models());
    rc.report.trace_id = rc.spans->trace_id();
    rc.report.traced = true;
    return out;
  }
  auto trace = client_trace(rc.req);
  std::string tracestate;
  if (trace) {
    tracestate = client_tracestate(rc.req);
  } else {
    std::array<unsigned char, 24> random;
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return out;
    trace = new_trace(random);
  }
  rc.report.trace_id = trace->trace_id;
  rc.report.traced = true;
  out.fields = upstream_trace_fields(*trace, tracestate);
  return out;
}

}  // namespace gateway
