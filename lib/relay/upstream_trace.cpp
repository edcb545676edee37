#include "relay/upstream_trace.hpp"

#include "http/trace_headers.hpp"
#include "trace/trace_context.hpp"

#include <openssl/rand.h>

#include <array>

namespace gateway {

std::string upstream_trace(request_context& rc) {
  auto trace = client_trace(rc.req);
  std::string tracestate;
  if (trace) {
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
