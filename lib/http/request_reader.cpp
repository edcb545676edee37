#include "http/request_reader.hpp"

#include <boost/beast/http/rfc7230.hpp>

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

void request_reader::on_request_impl(boost::beast::http::verb method, string_view method_string, string_view target,
                                     int version, error_code&) {
  request_.set_request_line(method, method_string, target, static_cast<unsigned>(version));
}

void request_reader::on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                                   error_code&) {
  request_.insert(name, name_string, value);
  // A chunked body's trailer field (the header is done) counts as the message counted it.
  if (name == boost::beast::http::field::connection && is_header_done()) request_.keep_alive(keeps_alive(request_));
}

void request_reader::on_header_impl(error_code&) { request_.keep_alive(keeps_alive(request_)); }

void request_reader::on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) {
  // basic_parser has checked a stated length against the body limit already.
  if (content_length) request_.body().reserve(static_cast<std::size_t>(*content_length));
}

std::size_t request_reader::on_body_impl(string_view body, error_code&) {
  request_.body().append(body.data(), body.size());
  return body.size();
}

std::size_t request_reader::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  request_.body().append(body.data(), body.size());
  return body.size();
}

}  // namespace gateway
