#include "openai/openai_format.hpp"

#include "cache/single_flight.hpp"
#include "openai/openai_protocol.hpp"
#include "completion/completion.hpp"

#include <algorithm>
#include <functional>

namespace gateway {
namespace {

// Whether an event's data is an {"error": ...} object - checked on the first bytes only, so a relayed
// chunk is never parsed.
bool is_error_payload(std::string_view data) {
  auto skip = [&] {
    while (!data.empty() && (data.front() == ' ' || data.front() == '\t' || data.front() == '\n' || data.front() == '\r'))
      data.remove_prefix(1);
  };
  skip();
  if (!data.starts_with('{')) return false;
  data.remove_prefix(1);
  skip();
  return data.starts_with("\"error\"");
}

// Whether a chunk carries a finish_reason (a string, not null), without parsing it.
// Boyer-Moore-Horspool, not std::string_view::find (which calls memchr for every '"' of the chunk)
// nor glibc's memmem (byte-wise for a needle this long): a relayed chunk is searched for its
// finish_reason until one comes (benchmark 9).
bool has_finish_reason(std::string_view data) {
  static constexpr std::string_view key = "\"finish_reason\"";
  static const std::boyer_moore_horspool_searcher searcher(key.begin(), key.end());
  const auto find = [&](std::size_t from) -> std::size_t {
    const auto hit = std::search(data.begin() + static_cast<std::ptrdiff_t>(from), data.end(), searcher);
    return hit == data.end() ? std::string_view::npos : static_cast<std::size_t>(hit - data.begin());
  };
  for (auto pos = find(0); pos != std::string_view::npos; pos = find(pos + 1)) {
    auto rest = data.substr(pos + key.size());
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == ':')) rest.remove_prefix(1);
    if (rest.starts_with('"')) return true;
  }
  return false;
}

std::string sse_data(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  out += "data: ";
  out += data;
  out += "\n\n";
  return out;
}

}  // namespace

unsigned openai_format::piece_format() const {
  if (!stream_) return piece_format::none;
  return include_usage_ ? piece_format::openai_chunks_usage : piece_format::openai_chunks;
}

event_verdict openai_format::on_event(const sse_event& e, std::string& out) {
  if (e.type == "error" || is_error_payload(e.data)) {
    event_verdict v{true, error::upstream_error_event, {}, {}};
    if (is_error_payload(e.data)) {
      v.event = sse_data(e.data);
      v.message = upstream_error_message(e.data);
    }
    return v;
  }
  out += "data: ";  // the upstream's chunk, unchanged
  out += e.data;
  out += "\n\n";
  if (collect_) collector_.add(e.data);
  if (!finished_ && has_finish_reason(e.data)) finished_ = true;
  return {};
}

std::string openai_format::stream_end() { return std::string(sse_done_marker); }

std::optional<cached_answer> openai_format::collected() {
  if (!collect_) return std::nullopt;
  return std::move(collector_).finish();
}

std::string openai_format::stream_error(error code, std::string_view message) const {
  return sse_data(openai_error_body(openai_error_for(code, std::string(message))));
}

json_outcome openai_format::from_upstream_json(std::string body, bool want_answer) {
  json_outcome out;
  if (want_answer) out.answer = openai_answer_from_json(body);
  out.body = std::move(body);  // byte for byte
  return out;
}

error_reply openai_format::error_response(error cause, std::string message, unsigned upstream_status) const {
  auto e = openai_error_for(cause, std::move(message));
  // The upstream refused the request itself (unknown model, bad parameter): the client sees the
  // upstream's own status, as it would calling Groq directly. 401/403 are the gateway's key: 502.
  if (cause == error::upstream_rejected && upstream_status >= 400 && upstream_status < 500) {
    e.status = upstream_status;
    e.type = "invalid_request_error";
  }
  return {e.status, openai_error_body(e)};
}

bool openai_format::can_replay(const cached_answer& a) const {
  // An entry without usage cannot end a stream that asked for a usage chunk.
  return !(stream_ && include_usage_) || a.usage.has_value();
}

std::string openai_format::json_replay(const cached_answer& a, bool) const { return openai_json_body(a); }

std::string openai_format::stream_replay(const cached_answer& a, bool) const {
  return openai_stream_replay(a, include_usage_);
}

std::string openai_format::follower_end(const cached_answer&) const { return std::string(sse_done_marker); }

std::string openai_format::hit_body(const cached_answer& a) const { return openai_json_body(a); }

}  // namespace gateway
