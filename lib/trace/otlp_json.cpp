#include "trace/otlp_json.hpp"

#include "core/logger.hpp"

#include <charconv>
#include <cmath>

namespace gateway {
namespace {

// Escaped in place, and always valid UTF-8 (a byte that is not becomes U+FFFD): protobuf strings
// must be, and a collector refuses the whole export otherwise. Not boost::json::serialize, which
// made a serializer and a string per call: two thirds of what a recorded hit cost (benchmark 12).
void quoted(std::string& out, std::string_view text) {
  out += '"';
  append_json_escaped(out, text);
  out += '"';
}

template <class Number>
void decimal(std::string& out, Number v) {
  char digits[32];
  const auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
  out.append(digits, static_cast<std::size_t>(end - digits));
}

// A JSON array of `items`, each written by `write`.
template <class Range, class Write>
void json_list(std::string& out, const Range& items, Write write) {
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    write(item);
  }
  out += ']';
}

void string_value(std::string& out, std::string_view text) {
  out += R"({"stringValue":)";
  quoted(out, text);
  out += '}';
}

void any_value(std::string& out, const attribute_value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    string_value(out, *s);
    return;
  }
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    out += R"({"intValue":")";
    decimal(out, *i);
    out += '"';
  } else if (const auto* d = std::get_if<double>(&v)) {
    out += R"({"doubleValue":)";
    if (std::isfinite(*d)) decimal(out, *d);  // the shortest form that reads back the same: valid JSON
    else out += '0';                             // JSON has no infinity nor NaN
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += R"({"boolValue":)";
    out += *b ? "true" : "false";
  } else {
    out += R"({"arrayValue":{"values":)";
    json_list(out, std::get<std::vector<std::string>>(v), [&](const std::string& item) { string_value(out, item); });
    out += '}';
  }
  out += '}';
}

void attributes(std::string& out, const std::vector<span_attribute>& attrs) {
  json_list(out, attrs, [&](const span_attribute& a) {
    out += R"({"key":)";
    quoted(out, a.key);
    out += R"(,"value":)";
    any_value(out, a.value);
    out += '}';
  });
}

void nanos(std::string& out, std::uint64_t ns) {
  out += '"';
  decimal(out, ns);
  out += '"';
}

// `"name":"<hex>"`: ids are hex in OTLP/JSON, not base64.
template <std::size_t N>
void hex_field(std::string& out, std::string_view name, const std::array<char, N>& id) {
  out += '"';
  out += name;
  out += R"(":")";
  out.append(id.data(), N);
  out += '"';
}

void one_span(std::string& out, const span& s) {
  out += '{';
  hex_field(out, "traceId", s.trace_id);
  out += ',';
  hex_field(out, "spanId", s.span_id);
  if (s.has_parent()) {
    out += ',';
    hex_field(out, "parentSpanId", s.parent_span_id);
  }
  out += R"(,"name":)";
  quoted(out, s.name);
  out += R"(,"kind":)";
  decimal(out, static_cast<int>(s.kind));
  out += R"(,"startTimeUnixNano":)";
  nanos(out, s.start_ns);
  out += R"(,"endTimeUnixNano":)";
  nanos(out, s.end_ns);
  out += R"(,"attributes":)";
  attributes(out, s.attributes);
  out += R"(,"events":)";
  json_list(out, s.events, [&](const span_event& e) {
    out += R"({"timeUnixNano":)";
    nanos(out, e.time_ns);
    out += R"(,"name":)";
    quoted(out, e.name);
    out += R"(,"attributes":)";
    attributes(out, e.attributes);
    out += '}';
  });
  if (!s.links.empty()) {  // left out when empty, as the JSON mapping allows: most spans have none
    out += R"(,"links":)";
    json_list(out, s.links, [&](const span_link& l) {
      out += '{';
      hex_field(out, "traceId", l.trace_id);
      out += ',';
      hex_field(out, "spanId", l.span_id);
      out += '}';
    });
  }
  out += R"(,"status":{"code":)";
  decimal(out, static_cast<int>(s.status));
  if (s.status == span_status::error && !s.status_message.empty()) {
    out += R"(,"message":)";
    quoted(out, s.status_message);
  }
  out += "}}";
}

}  // namespace

std::string otlp_json(std::span<const span> spans, const trace_resource& resource) {
  std::string out;
  out.reserve(256 + spans.size() * 512);
  out += R"({"resourceSpans":[{"resource":{"attributes":)";
  std::vector<span_attribute> resource_attributes;
  for (const auto& [key, value] : resource.attributes) resource_attributes.push_back({key, value});
  attributes(out, resource_attributes);
  out += R"(},"scopeSpans":[{"scope":{"name":)";
  quoted(out, resource.scope_name);
  out += R"(},"spans":)";
  json_list(out, spans, [&](const span& s) { one_span(out, s); });
  out += "}]}]}";
  return out;
}

}  // namespace gateway
