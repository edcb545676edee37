// The bytes /chat sends back: the JSON reply, the Server-Sent Events of a streamed reply and the
// JSON error body. Pure formatting, shared by live answers and cache replays so both look exactly
// alike.
#pragma once

#include "core/error.hpp"
#include "completion/completion.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

std::string json_reply(std::string_view answer, std::string_view model, bool cached,
                       const std::optional<token_usage>& usage);

std::string json_error(std::string_view code, std::string_view message);

/// `data: {"delta": "..."}` plus the blank line that ends the event.
std::string sse_delta(std::string_view text);
/// The same event, appended to `out`.
void append_sse_delta(std::string& out, std::string_view text);
/// A whole answer as delta events of at most ~64 bytes each, cut on UTF-8 character boundaries:
/// how a cached or already finished answer is replayed to a streaming client.
std::string sse_replay(std::string_view answer);
/// `data: {"done": true, "model": ..., "cached": ..., "usage": {...}}`.
std::string sse_done(std::string_view model, bool cached, const std::optional<token_usage>& usage);
/// `data: {"error": {"code": ..., "message": ...}}`: the last event of a failed stream.
std::string sse_error(std::string_view code, std::string_view message);

}  // namespace gateway
