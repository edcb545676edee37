// Builds the body of the upstream chat-completions request for a /chat request: system prompt,
// the last HISTORY_LIMIT history messages, the question, and the configured model parameters.
#pragma once

#include "chat/chat_request.hpp"
#include "config/gateway_config.hpp"

#include <span>
#include <string>
#include <string_view>

namespace gateway {

/// The tail of `history` that is sent upstream (the last `limit` messages).
std::span<const chat_message> trimmed_history(const std::vector<chat_message>& history,
                                              unsigned limit) noexcept;

/// The reasoning_effort value to send for this config, or "" to send none; a view into `cfg` or a
/// literal (no string built per request).
std::string_view effective_reasoning_effort(const gateway_config& cfg);

/// `placeholders`: the request's personal data was replaced (lib/pii); the system message then
/// ends with pii_instruction, which tells the model to write the placeholders back as they are.
std::string build_upstream_body(const chat_request& request, const gateway_config& cfg, bool stream,
                                bool placeholders = false);

}  // namespace gateway
