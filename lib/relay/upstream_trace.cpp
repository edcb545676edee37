#include "relay/upstream_trace.hpp"

#include "http/trace_headers.hpp"
#include "trace/trace_context.hpp"

#include <openssl/rand.h>

#include <array>

namespace gateway {

std::string upstream_trace(request_context& rc, request_spans::ref span) {
  auto trace = client_trace(rc.req);
  std::string tracestate;
  if (rc.spans) {
    // Recorded here: the upstream's spans go under this request's upstream span.
    if (trace) tracestate = client_tracestate(rc.req);
    trace.emplace();
    trace->trace_id = rc.spans->trace_id();
    trace->parent_id = rc.spans->id(span);
    trace->sampled = true;
  } else if (trace) {
    tracestate = client_tracestate(rc.req);
  } else {
    std::array<unsigned char, 24> random;
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) return {};
    trace = new_trace(random);
  }
  rc.report.trace_id = trace->trace_id;
  rc.report.traced = true;
  return upstream_trace_fields(*trace, tracestate);
}

}  // namespace gateway
