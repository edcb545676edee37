#include "http/request_reader.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>

namespace gateway {

namespace {
// As message::keep_alive(): the first Connection field against the version (RFC 9112 §9.3).
// basic_parser's own keep_alive() reads every Connection field and Proxy-Connection, and not the
// trailer: another answer for a few odd requests, where the connection is kept as it was.
bool keeps_alive(const inbound_request& r) {
  const auto connection = r[boost::beast::http::field::connection];
  if (r.version() < 11) return boost::beast::http::token_list{connection}.exists("keep-alive");
  return !boost::beast::http::token_list{connection}.exists("close");
}
}  // namespace

void request_reader::on_request_impl(boost::beast::http::verb method, string_view method_string,
                                     string_view target, int version, error_code&) {
  request_.set_request_line(method, method_string, target, static_cast<unsigned>(version));
}

void request_reader::on_field_impl(boost::beast::http::field name, string_view name_string,
                                   string_view value, error_code&) {
  request_.insert(name, name_string, value);
  // A chunked body's trailer field (the header is done) counts as the message counted it.
  if (name == boost::beast::http::field::connection && is_header_done())
    request_.keep_alive(keeps_alive(request_));
}

void request_reader::on_header_impl(error_code&) {
  request_.keep_alive(keeps_alive(request_));
}

void request_reader::on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                                       error_code&) {
  // basic_parser has checked a stated length against the body limit already. Nothing is reserved
  // yet: a header's promise costs nothing until the bytes come.
  body_ceiling_ = content_length ? static_cast<std::size_t>(*content_length)
                                 : static_cast<std::size_t>(max_body_);
}

std::size_t request_reader::on_body_impl(string_view body, error_code& ec) {
  return append_body(body, ec);
}

std::size_t request_reader::on_chunk_body_impl(std::uint64_t, string_view body, error_code& ec) {
  return append_body(body, ec);
}

std::size_t request_reader::append_body(string_view body, error_code& ec) {
  auto& out = request_.body();
  const auto needed = out.size() + body.size();
  if (needed > out.capacity()) {
    // Doubling, up to the ceiling: a body that arrived whole (the common case) is one allocation of
    // its exact size; a trickled one reallocates O(log n) times and holds at most twice what came.
    const auto grown =
        std::max(needed, std::min(2 * out.capacity(), std::max(body_ceiling_, needed)));
    if (budget_ && grown > charged_ && !budget_->charge_body(grown - charged_, *hold_)) {
      ec = boost::asio::error::no_buffer_space;
      return 0;
    }
    if (budget_) charged_ = std::max(charged_, grown);
    // Into a fresh string: libstdc++'s reserve() on a string that has capacity at least doubles it,
    // which would pass the ceiling; a fresh one takes what is asked.
    std::string fresh;
    fresh.reserve(grown);
    fresh.append(out);
    out.swap(fresh);
    // Should a library round up anyway, that is charged too, unchecked, since the memory is taken
    // already.
    if (budget_ && out.capacity() > charged_) {
      budget_->charge_body_unchecked(out.capacity() - charged_, *hold_);
      charged_ = out.capacity();
    }
  }
  out.append(body.data(), body.size());
  return body.size();
}

}  // namespace gateway
