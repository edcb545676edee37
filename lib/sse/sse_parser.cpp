#include "sse/sse_parser.hpp"

namespace gateway {

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

std::optional<sse_event> sse_parser::next() {
  while (!failed_) {
    if (skip_leading_lf_ && pos_ < buffer_.size()) {
      if (buffer_[pos_] == '\n') ++pos_;
      skip_leading_lf_ = false;
    }
    const auto end = buffer_.find_first_of("\r\n", pos_);
    if (end == std::string::npos) return std::nullopt;  // incomplete line: wait for more bytes
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
    sse_event event = std::move(pending_);
    pending_ = {};
    has_data_ = false;
    has_fields_ = false;
    if (dispatch) return event;
  }
  return std::nullopt;
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
