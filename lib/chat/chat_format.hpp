// /chat's relay_format: each upstream chunk is parsed and its text written as the gateway's own
// event ({"delta": ...}); a stream ends with {"done": true, ...} and [DONE], a failure with
// {"error": {"code", "message"}}; JSON answers and errors in /chat's shapes (chat_reply.hpp).
#pragma once

#include "relay/relay_format.hpp"
#include "completion/completion.hpp"

#include <optional>
#include <string>

namespace gateway {

class chat_format final : public relay_format {
 public:
  /// `stream`: the client asked for SSE. `collect`: keep the answer's text (it may be stored).
  chat_format(bool stream, bool collect) : stream_(stream), collect_(collect) {}

  unsigned piece_format() const override;
  event_verdict on_event(const sse_event& e, std::string& out) override;
  bool finished() const override { return finish_reason_.has_value(); }
  std::string stream_end() override;
  std::optional<cached_answer> collected() override;
  std::string stream_error(error code, std::string_view message) const override;
  std::string_view text_member() const override { return "delta"; }
  json_outcome from_upstream_json(std::string body, bool want_answer) override;
  error_reply error_response(error cause, std::string message, unsigned upstream_status) const override;
  std::string json_replay(const cached_answer& a, bool from_cache) const override;
  std::string stream_replay(const cached_answer& a, bool from_cache) const override;
  std::string follower_end(const cached_answer& a) const override;
  std::string hit_body(const cached_answer& a) const override;

 private:
  bool stream_;
  bool collect_;
  std::string answer_, model_;
  std::optional<token_usage> usage_;
  std::optional<std::string> finish_reason_;
  stream_chunk chunk_;  // the event being read
};

}  // namespace gateway
