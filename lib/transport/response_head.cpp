#include "transport/response_head.hpp"

#include <boost/beast/core/string.hpp>

namespace gateway {
namespace {

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && boost::beast::iequals(s.substr(0, prefix.size()), prefix);
}

}  // namespace

bool response_head_parser::kept(std::string_view name) {
  return starts_with_nocase(name, "x-ratelimit-") || starts_with_nocase(name, "retry-after");
}

void response_head_parser::on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) {
  if (!kept(name)) return;
  kept_.append(name.data(), name.size()).push_back('\0');
  kept_.append(value.data(), value.size()).push_back('\0');
}

std::string_view response_head_parser::header(std::string_view name) const {
  std::string_view rest = kept_;
  while (!rest.empty()) {
    const auto name_end = rest.find('\0');
    const auto value_end = rest.find('\0', name_end + 1);
    if (boost::beast::iequals(rest.substr(0, name_end), name)) return rest.substr(name_end + 1, value_end - name_end - 1);
    rest.remove_prefix(value_end + 1);
  }
  return {};
}

}  // namespace gateway
