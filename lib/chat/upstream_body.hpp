// Builds the body of the upstream chat-completions request for a /chat request: system prompt,
// the last HISTORY_LIMIT history messages, the question, and the configured model parameters; the
// configuration's part rendered once per builder.
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

/// Writes the upstream body of a /chat request. Everything that comes from the configuration alone
/// (model, system message with and without the placeholder instruction, token limit, sampling
/// settings, reasoning effort, stream options) is rendered once, at construction; a request adds
/// its history and question. Written by hand, fields in the order the json::object it replaced had
/// them (a unit test compares the two): building that DOM was a large part of a request that
/// goes upstream (docs/benchmarks.md, benchmark 9).
/// Threading: immutable after construction, so any thread may call it.
class upstream_body_builder {
 public:
  /// The sampling settings must be finite (configuration checks them).
  explicit upstream_body_builder(const gateway_config& cfg);

  /// `placeholders`: the request's personal data was replaced (lib/pii); the system message then
  /// ends with pii_instruction, which tells the model to write the placeholders back as they are.
  std::string operator()(const chat_request& request, bool stream, bool placeholders = false) const;

 private:
  unsigned history_limit_;
  std::string head_;                          // {"model":...,"messages":[
  std::string system_;                        // the system message and its comma, or ""
  std::string system_with_pii_instruction_;   // the same ending with pii_instruction
  std::string json_tail_, stream_tail_;       // ],"max_completion_tokens":...}
};

}  // namespace gateway
