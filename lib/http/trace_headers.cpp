#include "http/trace_headers.hpp"

#include <boost/beast/core/string.hpp>

namespace gateway {
namespace {

bool named(std::string_view n, std::string_view name) {
  return n.size() == name.size() && boost::beast::iequals(n, name);
}

}  // namespace

std::optional<trace_context> client_trace(const inbound_request& req) {
  std::string_view value;
  int lines = 0;
  for (const auto& f : req)
    if (named(f.name_string(), "traceparent")) {
      value = f.value();
      ++lines;
    }
  if (lines != 1) return std::nullopt;
  return parse_traceparent(value);
}

std::string client_tracestate(const inbound_request& req) {
  std::string joined;
  for (const auto& f : req) {
    if (!named(f.name_string(), "tracestate")) continue;
    // Past the limit already: nothing more is copied (a client may send many lines).
    if (joined.size() > tracestate_limit) return {};
    if (!joined.empty()) joined += ',';
    joined.append(f.value());
  }
  return forwardable_tracestate(joined) ? joined : std::string();
}

}  // namespace gateway
