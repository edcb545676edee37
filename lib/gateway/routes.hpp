// The route table: one row per endpoint - path, methods, metrics label, whether a gateway key is
// needed, the error style, the handler - plus areas (path prefixes) that set the error style and
// the key rule of paths without a row. The router (gateway_server) does matching, 404, 405 with
// Allow, HEAD, the key check, the metrics label and the access log once, from this table; adding
// an endpoint means one row and one handler.
// Threading: immutable after construction.
#pragma once

#include "http/request_context.hpp"
#include "metrics/metrics.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

/// The shape of an error body: /chat's {"error": {"code", "message"}} or OpenAI's
/// {"error": {"message", "type", "code", "param"}}.
enum class error_style { chat, openai };

/// An error body in `style` (OpenAI's `type` follows from the status).
std::string error_body(error_style style, unsigned status, std::string_view code, std::string_view message);

using route_handler = std::function<asio::awaitable<bool>(request_context&)>;

struct route {
  std::string path;                // matched exactly (the query string aside)
  std::vector<beast::http::verb> methods; // GET also answers HEAD
  std::string metric;              // the `route` label; rows may share one
  bool needs_key = false;          // GATEWAY_API_KEYS applies
  error_style style = error_style::chat;
  route_handler handler;
  bool limited = false;            // RATE_LIMIT_RPM / _TPM apply
};

struct route_area {
  std::string prefix;  // e.g. "/v1/"
  error_style style;
  bool needs_key;
};

class route_table {
 public:
  route_table(std::vector<route> routes, std::vector<route_area> areas);

  /// The row for `path`, or null.
  const route* find(std::string_view path) const;
  bool allows(const route& r, beast::http::verb method) const;
  /// The Allow header of a row ("POST", "GET, HEAD").
  std::string allow(const route& r) const;
  /// The metrics index of a row (see metric_labels()); unknown paths get the last index ("other").
  std::size_t metric(const route* r) const;
  /// The error style and key rule of any path: its row's, else its area's, else /chat's and open.
  error_style style_for(std::string_view path) const;
  bool needs_key(std::string_view path) const;
  /// Every distinct metrics label, in row order (gateway_metrics adds "other").
  std::vector<route_label> metric_labels() const;

 private:
  const route_area* area_for(std::string_view path) const;
  std::vector<route> routes_;
  std::vector<std::size_t> metric_of_;  // per row
  std::vector<route_label> labels_;
  std::vector<route_area> areas_;
};

}  // namespace gateway
