// The error body of an upstream that failed: its human message (read once per failure, so a DOM).
#include "completion/completion.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace gateway {
namespace json = boost::json;
namespace {

std::string string_or_empty(const json::value* v) {
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string error_message_of(const json::value& err) {
  if (const auto* s = err.if_string()) return std::string(*s);
  if (const auto* o = err.if_object()) {
    auto msg = string_or_empty(o->if_contains("message"));
    return msg.empty() ? "upstream error" : msg;
  }
  return "upstream error";
}

}  // namespace

std::string upstream_error_message(std::string_view body) {
  boost::system::error_code ec;
  unsigned char scratch[2048];
  json::monotonic_resource memory(scratch, sizeof scratch);
  json::value root = json::parse(body, ec, &memory);
  if (ec || !root.is_object()) return {};
  const auto* err = root.get_object().if_contains("error");
  return err ? error_message_of(*err) : std::string();
}

}  // namespace gateway
