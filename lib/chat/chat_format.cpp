#include "chat/chat_format.hpp"

#include "cache/single_flight.hpp"
#include "chat/chat_reply.hpp"
#include "completion/completion.hpp"

namespace gateway {
namespace {

// The end of every /chat stream: the done event, then [DONE].
std::string done_events(std::string_view model, bool cached, const std::optional<token_usage>& usage) {
  auto out = sse_done(model, cached, usage);
  out += sse_done_marker;
  return out;
}

}  // namespace

unsigned chat_format::piece_format() const { return stream_ ? piece_format::chat_sse : piece_format::none; }

event_verdict chat_format::on_event(const sse_event& e, std::string& out) {
  if (e.type == "error") return {true, error::upstream_error_event, e.data, {}};
  auto& chunk = chunk_;  // reused: its strings keep their capacity from event to event
  if (!read_stream_chunk(e.data, chunk))
    return {true, error::upstream_protocol_error, "upstream sent a malformed stream chunk", {}};
  if (chunk.error_message) return {true, error::upstream_error_event, *chunk.error_message, {}};
  if (!chunk.model.empty() && chunk.model != model_) model_ = chunk.model;
  if (chunk.usage) usage_ = chunk.usage;
  if (chunk.finish_reason) finish_reason_ = std::move(chunk.finish_reason);
  if (!chunk.content.empty()) {
    append_sse_delta(out, chunk.content);
    if (collect_) answer_ += chunk.content;
  }
  return {};
}

std::string chat_format::stream_end() { return done_events(model_, false, usage_); }

std::optional<cached_answer> chat_format::collected() {
  return cached_answer{std::move(answer_), model_, usage_, finish_reason_.value_or("")};
}

std::string chat_format::stream_error(error code, std::string_view message) const {
  return sse_error(to_public(code).code, message);
}

json_outcome chat_format::from_upstream_json(std::string body, bool want_answer) {
  auto done = parse_completion(body);
  if (!done) return {};
  json_outcome out;
  out.body = json_reply(done->content, done->model, false, done->usage);
  if (want_answer)
    out.answer = cached_answer{std::move(done->content), std::move(done->model), done->usage,
                               std::move(done->finish_reason)};
  return out;
}

error_reply chat_format::error_response(error cause, std::string message, unsigned) const {
  const auto pub = to_public(cause);
  return {pub.status, json_error(pub.code, message)};
}

std::string chat_format::json_replay(const cached_answer& a, bool from_cache) const {
  return json_reply(a.answer, a.model, from_cache, a.usage);
}

std::string chat_format::stream_replay(const cached_answer& a, bool from_cache) const {
  return sse_replay(a.answer) + done_events(a.model, from_cache, a.usage);
}

std::string chat_format::follower_end(const cached_answer& a) const { return done_events(a.model, false, a.usage); }

std::string chat_format::hit_body(const cached_answer& a) const { return json_reply(a.answer, a.model, true, a.usage); }

}  // namespace gateway
