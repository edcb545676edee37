// `chat-gateway --health-check`: asks a running gateway's GET /healthz on this machine and exits 0
// when it answers 200 within the deadline, else 1. The Docker image's HEALTHCHECK uses it, so the
// image needs no curl and its dozen libraries.
#pragma once

#include "config/gateway_config.hpp"

#include <chrono>
#include <string>

namespace gateway {

/// True when the gateway configured by `cfg` (its PORT; HOST when it is a specific address)
/// answers 200 to GET /healthz within `deadline`. `why` says what went wrong otherwise.
bool check_health(const gateway_config& cfg, std::chrono::milliseconds deadline, std::string& why);

}  // namespace gateway
