// Restores one client's placeholders in a stream of SSE events whose text sits in a JSON string
// member (`"delta"` in /chat's events, `"content"` in an OpenAI chunk's delta). The same bytes go
// to every client of a shared answer; each client's writer passes them through its own restorer.
//
// A placeholder the model wrote across two events is restored whole: the tail of an event's text
// that may begin a placeholder is held back (pii_restorer) and goes out at the front of the next
// event's text. Before an event that ends the text - [DONE], a chunk with a finish_reason, /chat's
// done or error event - what is held goes out, in the last text event's shape. Events without '['
// pass through unchanged while nothing is held. Text in other members (a reasoning model's
// `reasoning`) is passed on as written. Sans-io; one per client response.
#pragma once

#include "pii/pii_mapping.hpp"

#include <string>
#include <string_view>

namespace gateway {

class pii_event_restorer {
 public:
  /// `content_key`: the member whose string value is the answer's text.
  pii_event_restorer(const pii_mapping& mapping, std::string_view content_key)
      : text_(mapping), key_(content_key) {}

  /// SSE bytes, whole events or cut anywhere; appends what the client gets now.
  void feed(std::string_view sse, std::string& out);
  /// The end of the bytes: anything held goes out.
  void finish(std::string& out);

 private:
  void event(std::string_view block, std::string& out);
  void flush_held(std::string& out);

  pii_restorer text_;
  std::string key_;
  std::string pending_;         // an event not yet complete
  std::string before_, after_;  // the last text event around its string (the held text's shape)
  std::string scratch_;
};

}  // namespace gateway
