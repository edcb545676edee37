#include "http/serve.hpp"

#include "core/text.hpp"
#include "http/header_lookup.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <cstring>
#include <vector>

namespace gateway {
unsigned transfer_coding_problem(const request_t& req, std::string& what) {
  if (!has_header(req, http::field::transfer_encoding)) return 0;  // nearly every request: a cheap walk
  // Every coding of every Transfer-Encoding line, in order (a list may span several lines).
  std::vector<std::string_view> codings;
  for (const auto field : req) {
    if (field.name() != http::field::transfer_encoding) continue;
    std::string_view list = field.value();
    while (!list.empty()) {
      const auto comma = list.find(',');
      auto item = trim_ows(list.substr(0, comma));
      item = trim_ows(item.substr(0, item.find(';')));  // parameters do not change the coding
      if (!item.empty()) codings.push_back(item);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
  }
  if (req.version() < 11) {
    what = "Transfer-Encoding in an HTTP/1.0 request";
    return 400;
  }
  if (has_header(req, http::field::content_length)) {
    what = "both Transfer-Encoding and Content-Length";
    return 400;
  }
  if (codings.empty() || !boost::beast::iequals(codings.back(), "chunked")) {
    what = "Transfer-Encoding must end with chunked";
    return 400;
  }
  for (std::size_t i = 0; i + 1 < codings.size(); ++i) {
    if (boost::beast::iequals(codings[i], "chunked")) {
      what = "chunked applied more than once";
      return 400;
    }
    what = fmt::format("transfer coding '{}' is not supported", codings[i]);
    return 501;
  }
  return 0;
}

std::string_view request_line_target(std::string_view bytes) {
  // memchr for the '\n', then for a '\r' before it: string_view::find_first_of calls memchr on
  // its two-byte set once per byte of the request (1,100 instructions of every request).
  if (bytes.empty()) return {};
  const auto* lf = static_cast<const char*>(std::memchr(bytes.data(), '\n', bytes.size()));
  auto line = lf ? bytes.substr(0, static_cast<std::size_t>(lf - bytes.data())) : bytes;
  const auto* cr = static_cast<const char*>(std::memchr(line.data(), '\r', line.size()));
  if (cr)
    line = line.substr(0, static_cast<std::size_t>(cr - line.data()));
  else if (!lf)
    return {};  // no whole request line yet
  const auto sp1 = line.find(' ');
  if (sp1 == std::string_view::npos) return {};
  const auto rest = line.substr(sp1 + 1);
  return rest.substr(0, rest.find(' '));
}

std::string plain_error_body(std::string_view code, std::string_view message) {
  namespace json = boost::json;
  return json::serialize(json::object{{"error", json::object{{"code", code}, {"message", message}}}});
}

}  // namespace gateway
