// The OpenAI endpoint's relay_format: the upstream's chunks pass through unchanged (an upstream
// error event too, as `data: {"error": ...}`, which the SDKs turn into an exception), a JSON answer
// is the upstream's body byte for byte, errors come in OpenAI's shape, and finished answers are
// replayed as chat.completion bodies or chunk streams (openai_answer.hpp) that read to an SDK like
// live ones.
#pragma once

#include "openai/openai_answer.hpp"
#include "relay/relay_format.hpp"

namespace gateway {

class openai_format final : public relay_format {
 public:
  /// `include_usage`: stream_options.include_usage. `collect`: read each chunk into the answer (it
  /// may be stored or shared); otherwise chunks are never parsed.
  openai_format(bool stream, bool include_usage, bool collect)
      : stream_(stream), include_usage_(include_usage), collect_(collect) {}

  unsigned piece_format() const override;
  event_verdict on_event(const sse_event& e, std::string& out) override;
  bool finished() const override { return finished_; }
  std::string stream_end() override;
  std::optional<cached_answer> collected() override;
  std::string stream_error(error code, std::string_view message) const override;
  json_outcome from_upstream_json(std::string body, bool want_answer) override;
  error_reply error_response(error cause, std::string message, unsigned upstream_status) const override;
  bool can_replay(const cached_answer& a) const override;
  std::string json_replay(const cached_answer& a, bool from_cache) const override;
  std::string stream_replay(const cached_answer& a, bool from_cache) const override;
  std::string follower_end(const cached_answer& a) const override;
  std::string hit_body(const cached_answer& a) const override;

 private:
  bool stream_, include_usage_, collect_;
  bool finished_ = false;
  openai_stream_collector collector_;
};

}  // namespace gateway
