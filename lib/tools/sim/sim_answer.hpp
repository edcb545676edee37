// groq-sim's answers in Groq's formats: the JSON body of a non-streaming completion and the events
// of a stream - a role chunk, the reasoning deltas of a gpt-oss model, one chunk per content token,
// the finish chunk with x_groq.usage, the usage chunk when asked, [DONE]. Pure: the server
// (sim_server.cpp) sends these pieces with its pacing and faults between them, and the tests render
// whole answers from them to hold the gateway's cache replays equal to what groq-sim sent.
#pragma once

#include "tools/sim/sim_script.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gateway::sim {

/// Everything one answer says, decided before its first byte is sent.
struct sim_answer {
  std::string id;
  std::uint64_t created = 0;
  std::string model;
  std::vector<std::string> reasoning;  // tokens; empty for a model that does not reason
  std::vector<std::string> tokens;     // the content, one token per stream chunk
  std::string finish_reason;           // "stop" or "length"
  std::uint64_t prompt_tokens = 0;
  double seconds = 0;                  // the completion time Groq reports in usage
};

/// What groq-sim answers a request for `model` whose last user message is `question` (with its
/// directives `d`): the reasoning when the model reasons (model_reasons), the content tokens -
/// answer= or the built-in sentences, tokens= or `default_tokens` long, cut to `max_tokens` (then
/// finish_reason is "length"). id, created, prompt_tokens and seconds are left to the caller.
sim_answer plan_answer(std::string_view model, std::string_view question, const directives& d, unsigned max_tokens,
                       unsigned default_tokens);

/// The `chat.completion` body (message.reasoning beside message.content when the model reasons).
std::string completion_body(const sim_answer& a);

/// One event each, `data: ...\n\n`.
std::string role_event(const sim_answer& a);
std::string reasoning_event(const sim_answer& a, std::size_t i);
std::string content_event(const sim_answer& a, std::size_t i);
/// The end of a complete stream: the finish chunk (x_groq.usage), the usage chunk with
/// `include_usage`, then `data: [DONE]`.
std::string end_events(const sim_answer& a, bool include_usage);

/// A whole stream without faults, in the order the server sends its pieces.
std::string stream_events(const sim_answer& a, bool include_usage);

}  // namespace gateway::sim
