// The trace of a request that goes upstream (lib/trace): the client's context passed on when its
// `traceparent` is valid, else a new trace from OpenSSL's random bytes. The trace id goes into the
// request's report (the access log's "trace_id"), the header lines to every upstream attempt.
#pragma once

#include "http/request_context.hpp"

#include <string>

namespace gateway {

/// The header lines for the upstream request ("traceparent: ...\r\n[tracestate: ...\r\n]"); ""
/// only if the system's random source fails (the request then goes without a trace). A recorded
/// request's trace names `span` (its upstream call's span) as the parent, sampled.
std::string upstream_trace(request_context& rc, request_spans::ref span = request_spans::none);

}  // namespace gateway
