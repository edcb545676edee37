// The router's side of RATE_LIMIT_RPM / RATE_LIMIT_TPM (cluster/rate_limiter decides): whom a
// request counts against, and the 429 a client over its limit gets - in the route's error shape,
// with Retry-After and the x-ratelimit-* headers Groq and OpenAI send.
#pragma once

#include "cluster/rate_limiter.hpp"
#include "config/gateway_config.hpp"
#include "core/logger.hpp"
#include "gateway/routes.hpp"
#include "http/request_context.hpp"

#include <string>
#include <string_view>

namespace gateway {

/// Whom a request counts against: the configured gateway key it matched (`key_id`, api_keys::
/// limit_id: never the header's spelling) when there is one; else the client's address
/// (X-Forwarded-For, every line of it, counts only from TRUSTED_PROXIES), an IPv6 one as its
/// network of RATE_LIMIT_IPV6_PREFIX bits.
std::string limit_client(const gateway_config& cfg, std::string_view key_id, const request_context& rc);

/// Every X-Forwarded-For line of `req`, in order, joined with ", " (one list, RFC 9110 §5.3).
std::string forwarded_for(const inbound_request& req);

/// "6s", "1m2.5s": the duration format of the x-ratelimit-reset-* headers.
std::string reset_text(double ms);

/// The 429 of a client over `limits` (the request's: they may have been reloaded since start).

asio::awaitable<bool> refuse_over_limit(request_context& rc, const gateway_config& cfg,
                                        cluster::rate_limit_settings limits, error_style style,
                                        const cluster::limit_verdict& v, const logger& log);

}  // namespace gateway
