// A sans-io parser for text/event-stream (the WHATWG "server-sent events" format). Bytes go in as they
// arrive, in pieces of any size - a piece may end inside a UTF-8 sequence or between "\r" and "\n" -
// and complete events come out. It never touches a socket, so it is tested on every split point.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace gateway {

struct sse_event {
  std::string type;  // the "event:" field; empty means "message"
  std::string data;  // "data:" lines joined with '\n'
  std::string id;
};

class sse_parser {
 public:
  /// `max_event_bytes` bounds the memory one event may take; beyond it the parser fails.
  explicit sse_parser(std::size_t max_event_bytes = 1 << 20) : max_event_bytes_(max_event_bytes) {}

  /// Appends received bytes. Returns false (and stays failed) when an event outgrows the bound.
  bool feed(std::string_view bytes);

  /// The next complete event, if one is buffered (null otherwise). Call until it returns null after
  /// each feed(). The event is the parser's own and stays valid until the next call of next() or
  /// feed(): its strings keep their capacity from event to event, so a stream of events of similar
  /// size parses without allocating.
  const sse_event* next();

  bool failed() const noexcept { return failed_; }
  /// Bytes received but not yet part of a dispatched event (a partial line or event).
  bool has_partial() const noexcept { return pos_ < buffer_.size() || has_fields_; }

 private:
  void process_line(std::string_view line);

  std::string buffer_;
  std::size_t pos_ = 0;             // start of the first unprocessed line in buffer_
  bool skip_leading_lf_ = false;    // the last line ended in '\r'; a following '\n' belongs to it
  bool failed_ = false;
  std::size_t max_event_bytes_;

  sse_event pending_;               // fields collected for the event being built
  sse_event current_;               // the event next() returned last
  bool has_data_ = false;
  bool has_fields_ = false;
};

}  // namespace gateway
