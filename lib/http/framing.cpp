#include "http/framing.hpp"

#include "core/logger.hpp"
#include "core/text.hpp"
#include "http/header_lookup.hpp"

#include <fmt/format.h>
#include <boost/asio/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>

#include <vector>

namespace gateway {
namespace beast = boost::beast;

unsigned transfer_coding_problem(const inbound_request& req, bool framed_chunked,
                                 std::string& what) {
  if (!has_header(req, beast::http::field::transfer_encoding)) {
    // Beast frames chunked only from a Transfer-Encoding field: never true here. Checked anyway, so
    // that the two readings can never disagree unnoticed.
    if (framed_chunked) {
      what = "chunked framing without a Transfer-Encoding";
      return 400;
    }
    return 0;  // nearly every request: a cheap walk
  }
  // Every coding of every Transfer-Encoding line, in order (a list may span several lines).
  std::vector<std::string_view> codings;
  bool parameters = false;
  for (const auto field : req) {
    if (field.name() != beast::http::field::transfer_encoding) continue;
    std::string_view list = field.value();
    while (!list.empty()) {
      const auto comma = list.find(',');
      const auto whole = trim_ows(list.substr(0, comma));
      // No coding we accept takes parameters (chunked has none), and an item of parameters
      // alone (`;x`) names no coding at all: skipping it let `;, chunked` through while Beast's
      // token list, stopped by the `;`, framed no body - the body then read as a next request.
      parameters = parameters || whole.find(';') != std::string_view::npos;
      const auto item = trim_ows(whole.substr(0, whole.find(';')));
      if (!whole.empty()) codings.push_back(item);
      list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    }
  }
  if (req.version() < 11) {
    what = "Transfer-Encoding in an HTTP/1.0 request";
    return 400;
  }
  if (has_header(req, beast::http::field::content_length)) {
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
    if (codings[i].empty() || parameters) break;  // malformed: 400 below, not "unsupported"
    // The client's token, bounded and escaped: it goes into the log and the error body.
    what = fmt::format("transfer coding '{}' is not supported",
                       text_excerpt(codings[i], coding_excerpt_bytes));
    return 501;
  }
  if (parameters) {
    what = "Transfer-Encoding with parameters";
    return 400;
  }
  if (codings.size() > 1 || !framed_chunked) {
    what = "Transfer-Encoding is not one chunked";
    return 400;
  }
  return 0;
}

framing_refusal read_refusal(const boost::system::error_code& ec, bool header_done,
                             const serve_limits& limits) {
  framing_refusal r;
  if (ec == beast::http::error::body_limit) {
    r = {413, "payload_too_large",
         fmt::format("request body is larger than {} bytes", limits.max_body_bytes)};
  } else if (ec == beast::http::error::header_limit ||
             (ec == beast::http::error::buffer_overflow && !header_done)) {
    r = {431, "headers_too_large", "request headers are too large"};
  } else if (ec == beast::http::error::buffer_overflow) {
    // The read buffer is full and the parser still waits for the end of a line: a chunk line
    // (its extensions) or a trailer that never ends.
    r = {400, "invalid_request",
         fmt::format("a chunk line or the trailer is longer than {} bytes",
                     read_buffer_limit(limits))};
  } else if (ec == boost::asio::error::no_buffer_space) {
    // request_reader: the body's next bytes would pass MAX_INFLIGHT_REQUEST_BYTES.
    r = {503, "overloaded", "too many request bytes in flight; retry later"};
  } else if (ec.category() == make_error_code(beast::http::error::bad_version).category() &&
             ec != beast::http::error::end_of_stream && ec != beast::http::error::partial_message) {
    r = {400, "invalid_request", fmt::format("malformed HTTP request: {}", ec.message())};
  }
  return r;
}

}  // namespace gateway
