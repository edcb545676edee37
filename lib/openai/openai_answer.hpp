// A chat completion of the OpenAI endpoint as the cache keeps it, and back: collected from the
// upstream's JSON body or from its stream chunks, and replayed as a JSON body or as stream chunks
// in the upstream's own format (role first, a reasoning model's reasoning before the content,
// finish_reason last, usage on request), so that a replay reads to an SDK exactly like a live
// answer. What a client can see of an answer is kept: content, reasoning, finish_reason, usage
// token counts, model, id, created (not Groq's timing fields, system_fingerprint or x_groq.id).
// Pure functions over bytes.
#pragma once

#include "cache/response_cache.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

/// The answer of a non-streaming completion (message.content, and message.reasoning when there is
/// one); nullopt unless it is one choice of plain assistant text (tool calls are not replayable).
/// `hit_body` is the upstream's body itself.
std::optional<cached_answer> openai_answer_from_json(std::string_view body);

/// Collects a streamed completion chunk by chunk (the data of each event, [DONE] excluded): the
/// deltas' content and reasoning, each concatenated.
class openai_stream_collector {
 public:
  /// Returns false once the stream is not replayable (unreadable chunk, a tool call, a second choice).
  bool add(std::string_view chunk_data);
  /// The complete answer, or nullopt when not replayable or no finish_reason came.
  std::optional<cached_answer> finish() &&;

 private:
  cached_answer answer_;
  bool replayable_ = true;
};

/// A `chat.completion` JSON body for an answer (the stored upstream body when there is one);
/// message.reasoning only when the answer has reasoning.
std::string openai_json_body(const cached_answer& a);

/// The answer as SSE chunk events: a role chunk, `delta.reasoning` chunks (when there is reasoning),
/// then `delta.content` chunks - both of at most ~64 bytes cut on UTF-8 character boundaries - a
/// finish chunk carrying Groq's `x_groq.usage`, then - with `include_usage` - a chunk with empty
/// choices and `usage`; finally `data: [DONE]`.
std::string openai_stream_replay(const cached_answer& a, bool include_usage);

}  // namespace gateway
