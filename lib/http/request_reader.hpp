// Reads one client request into an inbound_request with Beast's basic_parser: Beast keeps the
// grammar, the framing (Content-Length, chunked), the keep-alive rules and the header and body
// limits; this keeps the request in one string of its own instead of Beast's fields container
// (an allocation and an ordered-set insert per field). Sans-io: bytes in through put(), the same
// error codes as Beast's request_parser (a unit test feeds both every split of each request, and
// fuzz_request_reader any bytes).
// Keep-alive is read as Beast's message read it (the first Connection field, trailers included),
// so a connection is kept exactly when it was before.
#pragma once

#include "http/inbound_request.hpp"

#include <boost/beast/http/basic_parser.hpp>

namespace gateway {

class request_reader final : public boost::beast::http::basic_parser<true> {
 public:
  /// Fills `request` (cleared first); it must outlive the reader.
  explicit request_reader(inbound_request& request) : request_(request) { request_.clear(); }

  inbound_request& get() { return request_; }
  const inbound_request& get() const { return request_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb method, string_view method_string, string_view target, int version,
                       error_code&) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value, error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}

  inbound_request& request_;
};

}  // namespace gateway
