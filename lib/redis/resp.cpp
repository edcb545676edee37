#include "redis/resp.hpp"

#include <charconv>

namespace gateway::redis {

void append_command(std::string& out, std::span<const std::string_view> args) {
  char digits[24];
  const auto number = [&](char tag, std::size_t n) {
    out.push_back(tag);
    const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
    out.append(digits, end);
    out.append("\r\n");
  };
  number('*', args.size());
  for (const auto arg : args) {
    number('$', arg.size());
    out.append(arg);
    out.append("\r\n");
  }
}

bool resp_parser::feed(std::string_view bytes, std::vector<resp_value>& out) {
  buffer_.append(bytes);
  for (;;) {
    std::size_t pos = start_;
    resp_value value;
    const auto s = parse(pos, value, 0);
    if (s == step::bad) return false;
    if (s == step::more) {
      if (buffered() > max_reply_) return false;
      break;
    }
    out.push_back(std::move(value));
    start_ = pos;
  }
  // Drop what was consumed once it is the larger part, so the buffer neither grows nor is moved
  // on every reply.
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  return true;
}

resp_parser::step resp_parser::line(std::size_t& pos, std::string_view& out) const {
  const auto end = buffer_.find("\r\n", pos);
  if (end == std::string::npos) return buffer_.size() - pos > 64 * 1024 ? step::bad : step::more;
  out = std::string_view(buffer_).substr(pos, end - pos);
  pos = end + 2;
  return step::done;
}

resp_parser::step resp_parser::parse(std::size_t& pos, resp_value& out, unsigned depth) const {
  if (depth > max_depth_) return step::bad;
  if (pos >= buffer_.size()) return step::more;
  const char tag = buffer_[pos++];
  std::string_view text;
  if (const auto s = line(pos, text); s != step::done) return s;
  const auto to_int = [&](std::int64_t& n) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    return ec == std::errc{} && end == text.data() + text.size() && !text.empty();
  };
  switch (tag) {
    case '+':
      out.type = resp_value::kind::simple;
      out.text = text;
      return step::done;
    case '-':
      out.type = resp_value::kind::error;
      out.text = text;
      return step::done;
    case ':':
      out.type = resp_value::kind::integer;
      return to_int(out.integer) ? step::done : step::bad;
    case '$': {
      std::int64_t n = 0;
      if (!to_int(n) || n < -1) return step::bad;
      if (n == -1) {
        out.type = resp_value::kind::null;
        return step::done;
      }
      if (static_cast<std::uint64_t>(n) > max_reply_) return step::bad;
      const auto size = static_cast<std::size_t>(n);
      if (buffer_.size() - pos < size + 2) return step::more;
      if (buffer_.compare(pos + size, 2, "\r\n") != 0) return step::bad;
      out.type = resp_value::kind::bulk;
      out.text.assign(buffer_, pos, size);
      pos += size + 2;
      return step::done;
    }
    case '*': {
      std::int64_t n = 0;
      if (!to_int(n) || n < -1) return step::bad;
      if (n == -1) {
        out.type = resp_value::kind::null;
        return step::done;
      }
      // Each element takes at least 3 bytes ("+\r\n"): wait until the bytes could hold them all,
      // so that a large count never allocates ahead of the data (buffered() bounds the wait).
      if (static_cast<std::uint64_t>(n) > max_reply_ / 3) return step::bad;
      const auto count = static_cast<std::size_t>(n);
      if ((buffer_.size() - pos) / 3 < count) return step::more;
      out.type = resp_value::kind::array;
      out.items.resize(count);
      for (auto& item : out.items)
        if (const auto s = parse(pos, item, depth + 1); s != step::done) return s;
      return step::done;
    }
    default:
      return step::bad;
  }
}

}  // namespace gateway::redis
