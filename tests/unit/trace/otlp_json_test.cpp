// lib/trace/otlp_json: spans as OTLP/HTTP JSON - parsed back, every field where the OTLP JSON
// mapping puts it (ids as hex, enums as integers, 64-bit integers as strings), text escaped so
// that no span name or attribute can break the document.
#include "trace/otlp_json.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "support/trace_ids.hpp"

#include <limits>

using namespace gateway;
namespace json = boost::json;

namespace {
using test::hex_id;
}  // namespace

TEST_CASE("otlp_json: spans, attributes, events and status where OTLP's JSON mapping puts them", "[trace][otlp]") {
  span s;
  s.trace_id = hex_id<32>("4bf92f3577b34da6a3ce929d0e0e4736");
  s.span_id = hex_id<16>("00f067aa0ba902b7");
  s.parent_span_id = hex_id<16>("1111111111111111");
  s.name = "POST /chat \"quoted\"\n";
  s.kind = span_kind::server;
  s.start_ns = 1'700'000'000'000'000'001;
  s.end_ns = 1'700'000'000'500'000'000;
  s.attributes = {{"s", std::string("değer")}, {"i", std::int64_t{-42}}, {"d", 0.6}, {"b", true},
                  {"a", std::vector<std::string>{"stop", "length"}}};
  s.events = {{"first_byte", 1'700'000'000'100'000'000, {{"n", std::int64_t{2}}}}};
  s.links = {{hex_id<32>("5bf92f3577b34da6a3ce929d0e0e4737"), hex_id<16>("3333333333333333")}};
  s.status = span_status::error;
  s.status_message = "upstream timed out";
  span root;
  root.trace_id = s.trace_id;
  root.span_id = hex_id<16>("2222222222222222");
  root.name = "root";
  trace_resource resource;
  resource.attributes = {{"service.name", "chat-gateway"}, {"deployment.environment", "test"}};

  const std::vector<span> spans{s, root};
  const auto doc = json::parse(otlp_json(spans, resource));
  const auto& rs = doc.at("resourceSpans").at(0);
  CHECK(rs.at("resource").at("attributes").at(0).at("key") == "service.name");
  CHECK(rs.at("resource").at("attributes").at(0).at("value").at("stringValue") == "chat-gateway");
  const auto& scope = rs.at("scopeSpans").at(0);
  CHECK(scope.at("scope").at("name") == "chat-gateway");
  const auto& out = scope.at("spans").at(0);
  CHECK(out.at("traceId") == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(out.at("spanId") == "00f067aa0ba902b7");
  CHECK(out.at("parentSpanId") == "1111111111111111");
  CHECK(out.at("name") == "POST /chat \"quoted\"\n");
  CHECK(out.at("kind") == 2);
  CHECK(out.at("startTimeUnixNano") == "1700000000000000001");
  CHECK(out.at("endTimeUnixNano") == "1700000000500000000");
  const auto& attrs = out.at("attributes").as_array();
  CHECK(attrs.at(0).at("value").at("stringValue") == "değer");
  CHECK(attrs.at(1).at("value").at("intValue") == "-42");
  CHECK(attrs.at(2).at("value").at("doubleValue") == 0.6);
  CHECK(attrs.at(3).at("value").at("boolValue") == true);
  CHECK(attrs.at(4).at("value").at("arrayValue").at("values").at(1).at("stringValue") == "length");
  CHECK(out.at("events").at(0).at("name") == "first_byte");
  CHECK(out.at("events").at(0).at("timeUnixNano") == "1700000000100000000");
  CHECK(out.at("events").at(0).at("attributes").at(0).at("value").at("intValue") == "2");
  CHECK(out.at("links").as_array().size() == 1);
  CHECK(out.at("links").at(0).at("traceId") == "5bf92f3577b34da6a3ce929d0e0e4737");
  CHECK(out.at("links").at(0).at("spanId") == "3333333333333333");
  CHECK(out.at("status").at("code") == 2);
  CHECK(out.at("status").at("message") == "upstream timed out");
  // A root span has no parent field; an unset status has no message.
  const auto& r = scope.at("spans").at(1).as_object();
  CHECK_FALSE(r.contains("parentSpanId"));
  CHECK_FALSE(r.contains("links"));  // none: left out
  CHECK(r.at("status").at("code") == 0);
  CHECK_FALSE(r.at("status").as_object().contains("message"));
}

TEST_CASE("otlp_json: no spans is still a valid request", "[trace][otlp]") {
  const auto doc = json::parse(otlp_json({}, trace_resource{{{"service.name", "x"}}}));
  CHECK(doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").as_array().empty());
}

TEST_CASE("otlp_json: every string is valid UTF-8 and escaped, whatever bytes a value holds", "[trace][otlp][hostile]") {
  // A collector refuses a whole export with one invalid string: a value's stray bytes become U+FFFD.
  span s;
  s.trace_id = hex_id<32>("4bf92f3577b34da6a3ce929d0e0e4736");
  s.span_id = hex_id<16>("00f067aa0ba902b7");
  s.name = std::string("bad \xff\xfe name \xed\xa0\x80");
  s.attributes = {{"v", std::string("a\"b\\c\x01\n\xc3(é")},
                  {"n", std::int64_t{-9'223'372'036'854'775'807 - 1}},
                  {"big", 1e300},
                  {"sum", 0.1 + 0.2},
                  {"nan", std::numeric_limits<double>::quiet_NaN()}};
  s.status = span_status::error;
  s.status_message = std::string("cut \xe2\x82");
  const std::vector<span> spans{s};
  boost::system::error_code ec;
  const auto doc = json::parse(otlp_json(spans, trace_resource{{{"service.name", "x"}}}), ec);  // rejects invalid UTF-8
  REQUIRE_FALSE(ec);
  const auto& out = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
  CHECK(out.at("name") == "bad \xef\xbf\xbd\xef\xbf\xbd name \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
  CHECK(out.at("attributes").at(0).at("value").at("stringValue") == "a\"b\\c\x01\n\xef\xbf\xbd(é");
  CHECK(out.at("attributes").at(1).at("value").at("intValue") == "-9223372036854775808");
  CHECK(out.at("attributes").at(2).at("value").at("doubleValue").as_double() == 1e300);
  CHECK(out.at("attributes").at(3).at("value").at("doubleValue").as_double() == 0.1 + 0.2);  // reads back the same
  CHECK(out.at("attributes").at(4).at("value").at("doubleValue") == 0);  // JSON has no NaN
  CHECK(out.at("status").at("message") == "cut \xef\xbf\xbd\xef\xbf\xbd");
}
