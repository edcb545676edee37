// The OpenAI chat-completions protocol as the gateway's /v1 endpoint speaks it: request checks
// (pure; everything the gateway does not interpret passes through unchanged), the error shape
// {"error": {"message", "type", "code", "param"}}, and how the gateway's own errors map onto it.
#pragma once

#include "core/error.hpp"
#include "pii/pii_kind.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace gateway {

class pii_mapping;

struct openai_request {
  std::string body;  // what goes upstream: the client's bytes, or re-serialized when a default was added
  std::string model;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  /// Whether the response cache and coalescing may answer it (see cache_rule in docs/api.md): one
  /// choice (`n` absent or 1), no `tools`/`functions`, no `logprobs` - the answer is then plain text
  /// that a replay reproduces exactly.
  bool cacheable = false;
  /// The body as a canonical JSON text (object keys sorted, no whitespace) without `stream` and
  /// `stream_options`: what the cache key hashes, so a streamed and a JSON request for the same
  /// thing share one entry, and key order or spacing do not matter. Empty unless cacheable.
  std::string cache_input;
  /// The personal data replaced in the messages (PII_PROTECTION); null when none was found. `body`
  /// and `cache_input` hold the placeholders, and a system message with pii_instruction first.
  std::shared_ptr<const pii_mapping> pii;
};

struct openai_error {
  unsigned status = 400;
  std::string type;     // invalid_request_error, authentication_error, rate_limit_error, api_error, ...
  std::string code;     // stable machine code, e.g. invalid_json, upstream_timeout
  std::string message;
  std::string param;    // the offending field, or empty
};

/// The longest model name a client may give (Groq's are under 64 bytes). A client's model name
/// reaches logs, route labels and the upstream: a name longer than this, or with a control
/// character, is refused with 400 `invalid_model`.
constexpr std::size_t max_model_bytes = 256;

/// Checks a chat-completions body: a JSON object with a non-empty `messages` array, `stream` (if
/// present) a boolean, `model` (if present) a non-empty string of at most max_model_bytes and no
/// control characters. Without `model`, `default_model` is filled in. Nothing else is interpreted or changed. `cache_input` is only built when asked
/// for (the cache is on): canonical serialization is not free on the hot path.
/// With `pii` active, every message's text (a string `content`, or the `text` of its parts of type
/// text) has its personal data replaced before `body` and `cache_input` are made.
std::variant<openai_request, openai_error> parse_openai_request(std::string_view body,
                                                               std::string_view default_model,
                                                               bool want_cache_input = true,
                                                               const pii_settings* pii = nullptr);

/// `{"error": {...}}` with `param` null when empty.
std::string openai_error_body(const openai_error& e);

/// The OpenAI-style error for one of the gateway's causes (status, type and code as documented).
openai_error openai_error_for(error cause, std::string message);

}  // namespace gateway
