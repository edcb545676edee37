// Reads one client request into an inbound_request with Beast's basic_parser: Beast keeps the
// grammar, the framing (Content-Length, chunked), the keep-alive rules and the header and body
// limits; this keeps the request in one string of its own instead of Beast's fields container
// (an allocation and an ordered-set insert per field). Sans-io: bytes in through put(), the same
// error codes as Beast's request_parser (a unit test feeds both every split of each request, and
// fuzz_request_reader any bytes).
// The body's buffer grows only with bytes that arrived (a stated Content-Length is a ceiling, not a
// reservation), and each growth is charged to the process's body budget when one is given: a body
// that would pass it fails with asio's no_buffer_space (serve.hpp answers 503 overloaded).
// Keep-alive is read as Beast's message read it (the first Connection field, trailers included),
// so a connection is kept exactly when it was before.
#pragma once

#include "http/connection_budget.hpp"
#include "http/inbound_request.hpp"

#include <boost/beast/http/basic_parser.hpp>

namespace gateway {

class request_reader final : public boost::beast::http::basic_parser<true> {
 public:
  /// Fills `request` (cleared first); it must outlive the reader.
  explicit request_reader(inbound_request& request) : request_(request) { request_.clear(); }

  /// Charges the body's buffer to `budget` through `hold` (both must outlive the reader; the hold
  /// keeps what was charged until its owner releases it, after the answer is written).
  void charge_body_to(connection_budget& budget, connection_budget::body_hold& hold) {
    budget_ = &budget;
    hold_ = &hold;
  }

  /// basic_parser's body limit, also the ceiling of a chunked body's buffer.
  void body_limit(std::uint64_t limit) {
    basic_parser::body_limit(limit);
    max_body_ = limit;
  }

  inbound_request& get() { return request_; }
  const inbound_request& get() const { return request_; }

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb method, string_view method_string,
                       string_view target, int version, error_code&) override;
  void on_response_impl(int, string_view, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field name, string_view name_string, string_view value,
                     error_code&) override;
  void on_header_impl(error_code&) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         error_code&) override;
  std::size_t on_body_impl(string_view body, error_code&) override;
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view body, error_code&) override;
  void on_finish_impl(error_code&) override {}
  /// Appends body bytes, growing the buffer (and charging the growth) as needed.
  std::size_t append_body(string_view body, error_code& ec);

  inbound_request& request_;
  std::uint64_t max_body_ = 1024 * 1024;  // basic_parser's default for a request
  std::size_t body_ceiling_ = 0;          // the stated Content-Length, else the body limit
  connection_budget* budget_ = nullptr;
  connection_budget::body_hold* hold_ = nullptr;
  std::size_t charged_ = 0;  // body capacity charged to budget_ so far
};

}  // namespace gateway
