#include "sse/sse_parser.hpp"

#include <cstring>

namespace gateway {
namespace {

// The end of the line starting at `from`: the first '\r' or '\n', or npos. Two memchr calls over
// a line instead of std::string::find_first_of, which calls memchr once per byte of the haystack
// (it was the top entry of the relay's profile: docs/benchmarks.md, benchmark 9).
std::size_t line_end(const std::string& s, std::size_t from) {
  const char* begin = s.data() + from;
  const std::size_t n = s.size() - from;
  const auto* lf = static_cast<const char*>(std::memchr(begin, '\n', n));
  const std::size_t upto = lf ? static_cast<std::size_t>(lf - begin) : n;
  if (const auto* cr = static_cast<const char*>(std::memchr(begin, '\r', upto))) return from + (cr - begin);
  return lf ? from + upto : std::string::npos;
}

}  // namespace

bool sse_parser::feed(std::string_view bytes) {
  if (failed_) return false;
  if (pos_ > 0 && pos_ * 2 >= buffer_.size()) {  // compact once half the buffer is consumed
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(bytes);
  if (buffer_.size() - pos_ + pending_.data.size() > max_event_bytes_) failed_ = true;
  return !failed_;
}

const sse_event* sse_parser::next() {
  while (!failed_) {
    if (skip_leading_lf_ && pos_ < buffer_.size()) {
      if (buffer_[pos_] == '\n') ++pos_;
      skip_leading_lf_ = false;
    }
    const auto end = line_end(buffer_, pos_);
    if (end == std::string::npos) return nullptr;  // incomplete line: wait for more bytes
    const std::string_view line(buffer_.data() + pos_, end - pos_);
    if (buffer_[end] == '\r') {
      // "\r\n" may be split across two feeds: consume the '\r' now and the '\n' when it comes.
      if (end + 1 < buffer_.size()) {
        pos_ = end + 1 + (buffer_[end + 1] == '\n');
      } else {
        pos_ = end + 1;
        skip_leading_lf_ = true;
      }
    } else {
      pos_ = end + 1;
    }
    if (!line.empty()) {
      process_line(line);
      continue;
    }
    // A blank line dispatches the event, if it has data (per the spec, events without data are dropped).
    const bool dispatch = has_data_;
    has_data_ = false;
    has_fields_ = false;
    if (dispatch) {
      std::swap(current_, pending_);  // both keep their strings' capacity
      pending_.type.clear();
      pending_.data.clear();
      pending_.id.clear();
      return &current_;
    }
    pending_.type.clear();
    pending_.data.clear();
    pending_.id.clear();
  }
  return nullptr;
}

void sse_parser::process_line(std::string_view line) {
  if (line.front() == ':') return;  // a comment, e.g. ": keep-alive"
  std::string_view field = line, value;
  if (const auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  has_fields_ = true;
  if (field == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    pending_.type.assign(value);
  } else if (field == "id") {
    pending_.id.assign(value);
  }
  // "retry" and unknown fields are ignored: the gateway does not reconnect upstream streams.
}

}  // namespace gateway
