#include "tools/load/stream_check.hpp"

namespace gateway::bench {

std::size_t stream_check::feed(std::string_view bytes) {
  std::size_t new_deltas = 0;
  if (!parser_.feed(bytes)) return 0;
  while (auto ev = parser_.next()) classify(*ev, new_deltas);
  return new_deltas;
}

void stream_check::classify(const sse_event& ev, std::size_t& new_deltas) {
  const std::string_view data = ev.data;
  if (done_marker_) {
    after_end_ = true;
    return;
  }
  if (data == "[DONE]") {
    done_marker_ = true;
    return;
  }
  if (ev.type == "error" || data.starts_with("{\"error\"")) {
    error_ = true;
    return;
  }
  if (format_ == answer_format::chat) {
    if (data.starts_with("{\"delta\":")) {
      ++deltas_;
      ++new_deltas;
    } else if (data.starts_with("{\"done\":true")) {
      finished_ = true;
    }
    return;
  }
  // OpenAI chunks: a non-empty delta.content is a delta; a string finish_reason ends the answer.
  constexpr std::string_view content = "\"content\":\"";
  if (const auto at = data.find(content); at != std::string_view::npos && at + content.size() < data.size() &&
                                          data[at + content.size()] != '"') {
    ++deltas_;
    ++new_deltas;
  }
  if (data.find("\"finish_reason\":\"") != std::string_view::npos) finished_ = true;
}

std::string stream_check::problem() const {
  if (parser_.failed()) return "an event too large";
  if (error_) return "an error event";
  if (after_end_) return "events after [DONE]";
  if (deltas_ == 0) return "no content";
  if (!finished_) return format_ == answer_format::chat ? "no done event" : "no finish_reason";
  if (!done_marker_) return "no [DONE]";
  if (parser_.has_partial()) return "a partial event at the end";
  return {};
}

}  // namespace gateway::bench
