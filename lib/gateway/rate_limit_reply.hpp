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

namespace gateway {

/// The gateway key, hashed (a key never reaches Redis), when GATEWAY_API_KEYS is set; else the
/// client's address (X-Forwarded-For counts only from TRUSTED_PROXIES).
std::string limit_client(const gateway_config& cfg, const request_context& rc);

/// "6s", "1m2.5s": the duration format of the x-ratelimit-reset-* headers.
std::string reset_text(double ms);

net::awaitable<bool> refuse_over_limit(request_context& rc, const gateway_config& cfg, error_style style,
                                       const cluster::limit_verdict& v, const logger& log);

}  // namespace gateway
