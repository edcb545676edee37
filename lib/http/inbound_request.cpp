#include "http/inbound_request.hpp"

#include "http/header_lookup.hpp"

namespace gateway {
namespace beast = boost::beast;

namespace {
// What a connection keeps between its requests: enough for a usual request's line and fields; a
// larger one's buffer is given back rather than held while the connection idles.
constexpr std::size_t kept_text = 512;
}  // namespace

inbound_request::inbound_request(beast::http::verb method, std::string_view target, unsigned version) {
  set_request_line(method, beast::http::to_string(method), target, version);
  keep_alive_ = version >= 11;  // a built request says nothing of Connection
}

// The same walk over the fields as every other header lookup (http/header_lookup.hpp).
std::string_view inbound_request::operator[](beast::http::field name) const { return header_value(*this, name); }
std::string_view inbound_request::operator[](std::string_view name) const { return header_value(*this, name); }

void inbound_request::clear() {
  if (text_.capacity() > kept_text) text_ = std::string();
  text_.clear();
  fields_.clear();
  body_ = std::string();  // up to MAX_BODY_BYTES: not held by an idle connection
  method_ = beast::http::verb::unknown;
  method_size_ = target_size_ = 0;
  version_ = 11;
  keep_alive_ = true;
}

void inbound_request::set_request_line(beast::http::verb method, std::string_view method_string, std::string_view target,
                                       unsigned version) {
  // The line's parts come first in text_: the fields follow them.
  text_.reserve(std::min(kept_text, method_string.size() + target.size() + 192));
  text_.assign(method_string).append(target);
  method_ = method;
  method_size_ = static_cast<std::uint32_t>(method_string.size());
  target_size_ = static_cast<std::uint32_t>(target.size());
  version_ = version;
}

void inbound_request::insert(beast::http::field name, std::string_view name_string, std::string_view value) {
  const auto at = static_cast<std::uint32_t>(text_.size());
  text_.append(name_string).append(value);
  fields_.push_back({name, at, static_cast<std::uint32_t>(name_string.size()),
                     at + static_cast<std::uint32_t>(name_string.size()), static_cast<std::uint32_t>(value.size())});
}

void inbound_request::insert(std::string_view name_string, std::string_view value) {
  insert(beast::http::string_to_field(name_string), name_string, value);
}

}  // namespace gateway
