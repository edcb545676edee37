// The trace of a request that goes upstream (lib/trace): the client's context passed on when its
// `traceparent` is valid, else a new trace from OpenSSL's random bytes. The trace id goes into the
// request's report (the access log's "trace_id"); every upstream attempt carries trace header lines.
#pragma once

#include "http/request_context.hpp"
#include "upstream/attempt_trace.hpp"
#include "upstream/route_set.hpp"

#include <memory>
#include <string>

namespace gateway {

struct upstream_trace {
  /// A request not recorded: the header lines every attempt carries ("traceparent: ...\r\n"
  /// [+ "tracestate: ...\r\n"]); "" only if the system's random source fails (the request then
  /// goes without a trace).
  std::string fields;
  /// A recorded request: its attempts' spans, under `call`, each attempt naming its own span in
  /// its header lines.
  std::unique_ptr<attempt_trace> attempts;
};

/// `call`: the span of the upstream call (none: the server span). `method`: the upstream
/// requests' (a literal). `routing`: the call's keys and routes (alive until the call ends).
upstream_trace trace_upstream(request_context& rc, request_spans::ref call, std::string_view method,
                              const std::string& host, const route_set& routing);

}  // namespace gateway
