// Interpretation of what an OpenAI-compatible upstream sends: a whole completion (JSON reply) or one
// streamed chunk (the data of one SSE event), both read by completion_reader.cpp without a JSON
// document; or an error body (completion.cpp). Pure functions over bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {

struct token_usage {
  std::uint64_t prompt_tokens = 0;
  std::uint64_t completion_tokens = 0;
  std::uint64_t total_tokens = 0;
};

struct completion {
  std::string content;
  std::string model;
  std::string finish_reason;
  std::optional<token_usage> usage;
};

/// Parses a non-streaming chat completion; nullopt when it is not one. No JSON document is built.
std::optional<completion> parse_completion(std::string_view body);

struct stream_chunk {
  std::string content;  // delta.content; reasoning deltas are left out on purpose: /chat never shows
                        // them (/v1 keeps them, through openai/openai_answer.hpp)
  std::string model;
  std::optional<std::string> finish_reason;
  std::optional<token_usage> usage;  // from "usage" or Groq's "x_groq.usage"
  std::optional<std::string> error_message;  // the chunk was {"error": {...}}
};

/// Reads the data of one stream event into `out` (its strings keep their capacity: one chunk
/// object serves a whole stream); false when it is not valid JSON of the expected shape. No JSON
/// document is built (completion_reader.cpp).
bool read_stream_chunk(std::string_view data, stream_chunk& out);
/// The same, into a new chunk; nullopt when it is not one.
std::optional<stream_chunk> parse_stream_chunk(std::string_view data);

/// The human message of an OpenAI-style error body, or "" when there is none.
std::string upstream_error_message(std::string_view body);

}  // namespace gateway
