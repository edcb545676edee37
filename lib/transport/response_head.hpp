// The upstream response's head, read by Beast's basic_parser (status line, framing, keep-alive and
// the limits on a head) without a fields container: only the fields the gateway reads from an
// upstream answer - Groq's x-ratelimit-* and retry-after* - are kept, in one string. Beast's
// response_parser stored every field of every answer, an allocation each (benchmark 9's profile of
// a stream's fixed cost). Sans-io: bytes in through put(), a unit test feeds it every split.
#pragma once

#include <boost/beast/http/basic_parser.hpp>

#include <string>
#include <string_view>

namespace gateway {

class response_head_parser final : public boost::beast::http::basic_parser<false> {
 public:
  /// Whether a field of this name is kept: "x-ratelimit-..." and "retry-after..." (any case).
  static bool kept(std::string_view name);

  /// The status code (0 before the status line).
  unsigned status() const noexcept { return status_; }
  /// A kept field's value (the first of that name), or "" for any other name.
  std::string_view header(std::string_view name) const;

 private:
  using string_view = boost::beast::string_view;
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, string_view, string_view, int, error_code&) override {}
  void on_response_impl(int code, string_view, int, error_code&) override { status_ = static_cast<unsigned>(code); }
  void on_field_impl(boost::beast::http::field, string_view name, string_view value, error_code&) override;
  void on_header_impl(error_code&) override {}
  // The body is read by transport/body_decoder, never through this parser (put() stops after the head).
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(string_view, error_code&) override { return 0; }
  void on_chunk_header_impl(std::uint64_t, string_view, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, string_view, error_code&) override { return 0; }
  void on_finish_impl(error_code&) override {}

  unsigned status_ = 0;
  std::string kept_;  // "name\0value\0" for each kept field, in arrival order
};

}  // namespace gateway
