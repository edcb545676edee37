#include "core/error.hpp"

#include <string>

namespace gateway {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "gateway"; }

  std::string message(int ev) const override {
    switch (static_cast<error>(ev)) {
      case error::invalid_json: return "request body is not a JSON object";
      case error::invalid_request: return "request is invalid";
      case error::payload_too_large: return "request body is too large";
      case error::unsupported_media_type: return "Content-Type must be application/json";
      case error::not_found: return "no such route";
      case error::method_not_allowed: return "method not allowed on this route";
      case error::bad_http_request: return "malformed HTTP request";
      case error::upstream_auth: return "upstream rejected the gateway's credentials";
      case error::rate_limited: return "upstream rate limit reached";
      case error::upstream_rejected: return "upstream rejected the request";
      case error::upstream_status_5xx: return "upstream failed with a server error";
      case error::upstream_connect_failed: return "could not connect to upstream";
      case error::upstream_tls_failed: return "TLS handshake with upstream failed";
      case error::upstream_closed: return "upstream closed the connection early";
      case error::upstream_protocol_error: return "upstream sent a malformed response";
      case error::upstream_error_event: return "upstream reported an error in the stream";
      case error::upstream_unavailable: return "upstream unavailable (circuit breaker open)";
      case error::shutting_down: return "the gateway is shutting down";
      case error::unauthorized: return "missing or unknown API key";
      case error::upstream_connect_timeout: return "timed out connecting to upstream";
      case error::upstream_first_byte_timeout: return "timed out waiting for upstream's first byte";
      case error::upstream_idle_timeout: return "upstream stream stalled";
      case error::request_timeout: return "request deadline exceeded";
      case error::client_write_timeout: return "timed out writing to the client";
      case error::client_gone: return "client disconnected";
    }
    return "unknown gateway error";
  }
};

}  // namespace

const std::error_category& gateway_category() noexcept {
  static const category instance;
  return instance;
}

public_error to_public(error e) noexcept {
  switch (e) {
    case error::invalid_json: return {400, "invalid_json"};
    case error::invalid_request: return {400, "invalid_request"};
    case error::bad_http_request: return {400, "invalid_request"};
    case error::payload_too_large: return {413, "payload_too_large"};
    case error::unsupported_media_type: return {415, "unsupported_media_type"};
    case error::not_found: return {404, "not_found"};
    case error::method_not_allowed: return {405, "method_not_allowed"};
    case error::unauthorized: return {401, "invalid_api_key"};
    case error::upstream_auth: return {502, "upstream_auth"};
    case error::rate_limited: return {429, "rate_limited"};
    case error::upstream_rejected: return {502, "upstream_rejected"};
    case error::upstream_status_5xx:
    case error::upstream_connect_failed:
    case error::upstream_tls_failed:
    case error::upstream_closed:
    case error::upstream_protocol_error:
    case error::upstream_error_event: return {502, "upstream_error"};
    case error::upstream_unavailable: return {503, "upstream_unavailable"};
    case error::shutting_down: return {503, "shutting_down"};
    case error::upstream_connect_timeout:
    case error::upstream_first_byte_timeout:
    case error::upstream_idle_timeout:
    case error::request_timeout: return {504, "upstream_timeout"};
    case error::client_write_timeout:
    case error::client_gone: return {499, "client_gone"};
  }
  return {500, "internal_error"};
}

}  // namespace gateway
