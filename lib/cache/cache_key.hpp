// The cache key: SHA-256 over everything that decides an answer - the normalized question, the
// history actually sent upstream, model, system prompt, max tokens, temperature and top_p - each
// field length-prefixed so that no two different inputs serialize alike.
#pragma once

#include "cache/response_cache.hpp"
#include "chat/chat_request.hpp"
#include "config/gateway_config.hpp"

#include <span>

namespace gateway {

cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg);

}  // namespace gateway
