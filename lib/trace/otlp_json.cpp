#include "trace/otlp_json.hpp"


#include <boost/json/serialize.hpp>
#include <boost/json/string_view.hpp>

#include <cmath>

namespace gateway {
namespace {

void quoted(std::string& out, std::string_view text) {
  out += boost::json::serialize(boost::json::string_view(text.data(), text.size()));
}

void any_value(std::string& out, const attribute_value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) {
    out += R"({"stringValue":)";
    quoted(out, *s);
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    out += R"({"intValue":")";
    out += std::to_string(*i);
    out += '"';
  } else if (const auto* d = std::get_if<double>(&v)) {
    out += R"({"doubleValue":)";
    out += std::isfinite(*d) ? boost::json::serialize(boost::json::value(*d)) : "0";
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out += R"({"boolValue":)";
    out += *b ? "true" : "false";
  } else {
    out += R"({"arrayValue":{"values":[)";
    bool first = true;
    for (const auto& item : std::get<std::vector<std::string>>(v)) {
      if (!first) out += ',';
      first = false;
      out += R"({"stringValue":)";
      quoted(out, item);
      out += '}';
    }
    out += "]}";
  }
  out += '}';
}

void attributes(std::string& out, const std::vector<span_attribute>& attrs) {
  out += '[';
  bool first = true;
  for (const auto& a : attrs) {
    if (!first) out += ',';
    first = false;
    out += R"({"key":)";
    quoted(out, a.key);
    out += R"(,"value":)";
    any_value(out, a.value);
    out += '}';
  }
  out += ']';
}

void nanos(std::string& out, std::uint64_t ns) {
  out += '"';
  out += std::to_string(ns);
  out += '"';
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
  out += R"(},"spans":[)";
  bool first = true;
  for (const auto& s : spans) {
    if (!first) out += ',';
    first = false;
    out += R"({"traceId":")";
    out.append(s.trace_id.data(), s.trace_id.size());
    out += R"(","spanId":")";
    out.append(s.span_id.data(), s.span_id.size());
    out += '"';
    if (s.has_parent()) {
      out += R"(,"parentSpanId":")";
      out.append(s.parent_span_id.data(), s.parent_span_id.size());
      out += '"';
    }
    out += R"(,"name":)";
    quoted(out, s.name);
    out += R"(,"kind":)";
    out += std::to_string(static_cast<int>(s.kind));
    out += R"(,"startTimeUnixNano":)";
    nanos(out, s.start_ns);
    out += R"(,"endTimeUnixNano":)";
    nanos(out, s.end_ns);
    out += R"(,"attributes":)";
    attributes(out, s.attributes);
    out += R"(,"events":[)";
    bool first_event = true;
    for (const auto& e : s.events) {
      if (!first_event) out += ',';
      first_event = false;
      out += R"({"timeUnixNano":)";
      nanos(out, e.time_ns);
      out += R"(,"name":)";
      quoted(out, e.name);
      out += R"(,"attributes":)";
      attributes(out, e.attributes);
      out += '}';
    }
    out += R"(],"status":{"code":)";
    out += std::to_string(static_cast<int>(s.status));
    if (s.status == span_status::error && !s.status_message.empty()) {
      out += R"(,"message":)";
      quoted(out, s.status_message);
    }
    out += "}}";
  }
  out += "]}]}]}";
  return out;
}

}  // namespace gateway
