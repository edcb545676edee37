// The model of an upstream chat-completions request body: a fallback route sends the same request
// to another model. Pure; only the fallback path pays for the re-serialization.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

/// `body` (a JSON object) with its "model" set to `model`, every other member as it was; nullopt
/// when `body` is not a JSON object.
std::optional<std::string> with_model(std::string_view body, std::string_view model);

}  // namespace gateway
