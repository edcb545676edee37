// The gateway's error codes: one enum for everything that can go wrong on a request's path, so that
// logs name the precise cause (which deadline, which phase) while clients see a small, stable set of
// public codes. Deliberately free of Asio/Beast so that any file may include it.
#pragma once

#include <string_view>
#include <system_error>

namespace gateway {

enum class error {
  // Client-side problems, found before any upstream call.
  invalid_json = 1,
  invalid_request,
  payload_too_large,
  unsupported_media_type,
  not_found,
  method_not_allowed,
  unauthorized,  // GATEWAY_API_KEYS is set and the request carries none of them
  bad_http_request,

  // Upstream answered with an error status.
  upstream_auth,       // 401 / 403: our key is wrong
  rate_limited,        // 429
  upstream_rejected,   // other 4xx: model unknown, request refused
  upstream_status_5xx, // 5xx

  // Upstream transport and protocol failures.
  upstream_connect_failed,
  upstream_tls_failed,
  upstream_closed,          // connection closed or reset before the answer was complete
  upstream_protocol_error,  // unparseable HTTP, SSE or JSON from upstream
  upstream_error_event,     // the upstream reported an error inside the stream
  upstream_unavailable,     // the circuit breaker is open: failing fast

  // Deadlines, one code each so a log line says which one fired.
  upstream_connect_timeout,
  upstream_first_byte_timeout,
  upstream_idle_timeout,
  request_timeout,
  client_write_timeout,

  // The client went away; nothing is sent anywhere.
  client_gone,

  // The gateway is shutting down and SHUTDOWN_GRACE has passed.
  shutting_down,
};

const std::error_category& gateway_category() noexcept;

inline std::error_code make_error_code(error e) noexcept {
  return {static_cast<int>(e), gateway_category()};
}

/// `ec` as a gateway error, or `otherwise` when it comes from another category (a socket's, Beast's).
inline error as_gateway_error(const std::error_code& ec, error otherwise) noexcept {
  return ec.category() == gateway_category() ? static_cast<error>(ec.value()) : otherwise;
}

/// The client itself ended the request (it left, or stopped reading): there is nobody to answer.
inline bool is_client_cause(error e) noexcept { return e == error::client_gone || e == error::client_write_timeout; }

/// What a client sees for an error: HTTP status and the stable public `code` string.
struct public_error {
  unsigned status;
  std::string_view code;
};

/// Maps an internal cause to its public status and code (see docs/api.md, "Errors").
public_error to_public(error e) noexcept;

}  // namespace gateway

template <>
struct std::is_error_code_enum<gateway::error> : std::true_type {};
