// Verifies one streamed answer as chat-bench receives it (sans-io: body bytes in, in pieces of any
// size) and counts its content deltas, so the caller can timestamp the first delta and the gaps.
// Complete means: at least one delta, the end events of the format, and no error event.
//   chat:   {"delta": "..."} events, then {"done": true, ...} and data: [DONE]
//   openai: chat.completion.chunk events with delta.content, one with a finish_reason, data: [DONE]
// Events are classified by their leading bytes, not parsed: a load generator must stay cheap.
#pragma once

#include "sse/sse_parser.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace gateway::bench {

enum class answer_format { chat, openai };

class stream_check {
 public:
  explicit stream_check(answer_format format) : format_(format) {}

  /// The number of content deltas completed by these bytes.
  std::size_t feed(std::string_view bytes);

  bool complete() const { return problem().empty(); }
  /// Why the stream is not complete ("" when it is).
  std::string problem() const;
  std::size_t deltas() const { return deltas_; }

 private:
  void classify(const sse_event& ev, std::size_t& new_deltas);

  answer_format format_;
  sse_parser parser_;
  std::size_t deltas_ = 0;
  bool finished_ = false;  // the done event (chat) or a finish_reason (openai)
  bool done_marker_ = false;
  bool error_ = false;
  bool after_end_ = false;  // an event after [DONE]
};

}  // namespace gateway::bench
