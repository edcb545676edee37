// The human message for an error that came without one - the same words on every endpoint, with
// the configured deadline where one fired.
#pragma once

#include "config/gateway_config.hpp"
#include "core/error.hpp"

#include <string>

namespace gateway {

std::string default_error_message(error cause, const gateway_config& cfg);

}  // namespace gateway
