// A client's trace headers as the gateway reads them (lib/http/trace_headers): one valid
// traceparent line or none at all; tracestate lines joined and passed on only with it.
#include "http/trace_headers.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace gateway;
namespace beast = boost::beast;

namespace {
const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

inbound_request with(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  inbound_request req{beast::http::verb::post, "/chat", 11};
  for (const auto& [name, value] : fields) req.insert(name, value);
  return req;
}
}  // namespace

TEST_CASE("trace headers: one traceparent line, by any spelling of its name", "[http][trace]") {
  CHECK_FALSE(client_trace(with({})));
  CHECK(client_trace(with({{"traceparent", valid}}))->traceparent() == valid);
  CHECK(client_trace(with({{"TraceParent", valid}})));
  CHECK_FALSE(client_trace(with({{"traceparent", "00-zz"}})));
  // Two lines make it invalid, even two equal ones: the client cannot choose which one counts.
  CHECK_FALSE(client_trace(with({{"traceparent", valid}, {"traceparent", valid}})));
}

TEST_CASE("trace headers: tracestate lines are joined, and dropped whole past the limit",
          "[http][trace]") {
  CHECK(client_tracestate(with({})).empty());
  CHECK(client_tracestate(with({{"tracestate", "a=1"}, {"Tracestate", "b=2"}})) == "a=1,b=2");
  const std::string half(tracestate_limit / 2, 'x');
  CHECK(client_tracestate(with({{"tracestate", half}, {"tracestate", half}})).empty());  // 513 bytes
  CHECK(client_tracestate(with({{"tracestate", "a=1\x01"}})).empty());
  // Many short lines: the join stops copying once past the limit, and the whole is dropped.
  inbound_request many{beast::http::verb::post, "/chat", 11};
  for (int i = 0; i < 1000; ++i) many.insert("tracestate", "a");
  CHECK(client_tracestate(many).empty());
  inbound_request fits{beast::http::verb::post, "/chat", 11};
  for (int i = 0; i < 32; ++i) fits.insert("tracestate", "a=1");
  CHECK(client_tracestate(fits).size() == 32 * 4 - 1);
}
