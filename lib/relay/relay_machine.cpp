#include "relay/relay_machine.hpp"

namespace gateway {
relay_machine::relay_machine(relay_format& format, std::function<std::string(std::string)> redact)
    : format_(format), redact_(std::move(redact)) {}

relay_action relay_machine::resume(const relay_input& input, std::string& out) {
  return std::visit([&](const auto& in) { return on(in, out); }, input);
}

relay_action relay_machine::terminal() const {
  relay_action a;
  a.next = state_ == state::complete ? relay_action::kind::complete : relay_action::kind::fail;
  a.code = code_;
  return a;
}

relay_action relay_machine::on(const upstream_bytes& in, std::string& out) {
  if (done()) return terminal();
  if (!parser_.feed(in.data)) return fail(error::upstream_protocol_error, "upstream stream event too large", {});
  while (auto event = parser_.next()) {
    if (state_ == state::draining) continue;  // nothing after [DONE] counts
    if (event->data == "[DONE]") {
      state_ = state::draining;
      continue;
    }
    auto verdict = format_.on_event(*event, out);
    if (verdict.failed) return fail(verdict.code, std::move(verdict.message), std::move(verdict.event));
    ++events_;
  }
  relay_action a;
  a.next = out.size() >= coalesce_limit ? relay_action::kind::write : relay_action::kind::read;
  return a;
}

relay_action relay_machine::on(const nothing_ready& in, std::string& out) {
  if (done()) return terminal();
  relay_action a;
  if (!out.empty()) a.next = relay_action::kind::write;  // what was read goes out before any wait
  else if (in.client_owed && attached_) a.next = relay_action::kind::owe;
  else a.next = relay_action::kind::wait;
  return a;
}

relay_action relay_machine::on(const wait_over&, std::string&) {
  if (done()) return terminal();
  return {};
}

relay_action relay_machine::on(const written&, std::string&) {
  if (done()) return terminal();
  return {};
}

relay_action relay_machine::on(const upstream_end&, std::string&) {
  if (done()) return terminal();
  if (state_ != state::draining && !format_.finished())
    return fail(error::upstream_closed, "upstream stream ended before the answer was complete", {});
  state_ = state::complete;
  tail_ = format_.stream_end();
  return terminal();
}

std::optional<cached_answer> relay_machine::take_answer() {
  // Nothing reaches the format after completion (further inputs only detach the client): what it
  // collected then is what it holds now.
  if (state_ != state::complete || answer_taken_) return std::nullopt;
  answer_taken_ = true;
  return format_.collected();
}

relay_action relay_machine::on(const upstream_failed& in, std::string&) {
  if (done()) return terminal();
  return fail(in.cause, {}, {});
}

relay_action relay_machine::on(const client_left& in, std::string&) {
  if (done()) {
    attached_ = false;
    return terminal();
  }
  if (in.followers_remain) {
    attached_ = false;  // the upstream goes on for the followers
    return {};
  }
  return fail(in.cause, {}, {});
}

relay_action relay_machine::fail(error code, std::string message, std::string event) {
  state_ = state::failed;
  code_ = code;
  if (message.empty()) message = make_error_code(code).message();
  message_ = redact_ ? redact_(std::move(message)) : std::move(message);
  if (is_client_cause(code)) {
    attached_ = false;  // nobody to tell
  } else if (!event.empty()) {
    tail_ = redact_ ? redact_(std::move(event)) : std::move(event);
  } else {
    tail_ = format_.stream_error(code, message_);
  }
  return terminal();
}

}  // namespace gateway
