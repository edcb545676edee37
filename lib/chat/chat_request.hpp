// Validation of the body of POST /chat: a pure function from bytes to either a request or the
// error the client must see. No I/O, so every row of the error table is a unit test.
#pragma once

#include "core/error.hpp"

#include <cstddef>
#include <string>
#include <variant>
#include <vector>

namespace gateway {

struct chat_message {
  std::string role;  // "user" or "assistant"
  std::string content;
};

struct chat_request {
  std::string question;  // trimmed
  std::vector<chat_message> history;
  bool stream = false;
  bool cache = true;  // "cache": false skips the cache lookup (the fresh answer is still stored)
};

struct request_limits {
  std::size_t max_question_chars = 4000;
  /// History entries accepted (before trimming to HISTORY_LIMIT); more is a client bug.
  std::size_t max_history_messages = 64;
  /// Longest history entry in characters; earlier answers are longer than questions.
  std::size_t max_history_content_chars = 16000;
};

struct request_error {
  error code;           // invalid_json or invalid_request
  std::string message;  // says which field or limit
};

using parse_result = std::variant<chat_request, request_error>;

/// The body's request, or the error the client must see. The common shapes are read without a JSON
/// document (plain_chat_request.hpp); every other body goes to parse_chat_request_document.
parse_result parse_chat_request(std::string_view body, const request_limits& limits);
/// The full parser alone (a Boost.JSON document): the definition the fast path must agree with.
parse_result parse_chat_request_document(std::string_view body, const request_limits& limits);

/// Number of Unicode code points in valid UTF-8.
std::size_t utf8_length(std::string_view text) noexcept;

/// Strips leading and trailing white space (ASCII and the Unicode spaces people paste: NBSP,
/// the U+2000 block, ideographic space).
std::string_view trim_space(std::string_view text) noexcept;

}  // namespace gateway
