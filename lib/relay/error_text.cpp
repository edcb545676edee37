#include "relay/error_text.hpp"

#include <fmt/format.h>

namespace gateway {

std::string default_error_message(error cause, const gateway_config& cfg) {
  const auto seconds = [](std::chrono::milliseconds d) { return static_cast<double>(d.count()) / 1000.0; };
  switch (cause) {
    case error::upstream_auth: return "the upstream rejected the gateway's API key";
    case error::rate_limited: return "the upstream's rate limit was reached; retry later";
    case error::upstream_first_byte_timeout:
      return fmt::format("no answer from the upstream within {} s", seconds(cfg.upstream_timeout));
    case error::request_timeout: return fmt::format("the request took longer than {} s", seconds(cfg.request_timeout));
    case error::upstream_unavailable: return "the upstream is failing; requests are refused for a moment";
    case error::unauthorized: return "a valid API key is required: 'Authorization: Bearer KEY'";
    default: return make_error_code(cause).message();
  }
}

}  // namespace gateway
