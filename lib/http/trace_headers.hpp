// A client's W3C trace context headers (lib/trace), read from the request: `traceparent` counts
// only when it comes in exactly one valid field line (two lines make it invalid, as the
// recommendation says); `tracestate` lines are joined with ',' and passed on only when the
// traceparent is valid and the whole passes forwardable_tracestate.
#pragma once

#include "http/inbound_request.hpp"
#include "trace/trace_context.hpp"

#include <optional>
#include <string>

namespace gateway {

/// The client's trace context, or nullopt for none, several or an invalid one.
std::optional<trace_context> client_trace(const inbound_request& req);

/// The client's tracestate to pass on, or "" (none, or not forwardable).
std::string client_tracestate(const inbound_request& req);

}  // namespace gateway
