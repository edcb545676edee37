#include "chat/upstream_body.hpp"

#include "core/text.hpp"
#include "pii/pii_mapping.hpp"

#include <charconv>

namespace gateway {

std::span<const chat_message> trimmed_history(const std::vector<chat_message>& history,
                                              unsigned limit) noexcept {
  const std::size_t keep = std::min<std::size_t>(history.size(), limit);
  return std::span<const chat_message>(history).subspan(history.size() - keep);
}

std::string_view effective_reasoning_effort(const gateway_config& cfg) {
  if (cfg.reasoning_effort != "auto") return cfg.reasoning_effort;
  // gpt-oss models reason before answering and the reasoning counts against
  // max_completion_tokens: with the seed's budget of 300, "low" leaves room for the answer.
  return cfg.model.find("gpt-oss") != std::string::npos ? "low" : "";
}

namespace {

void append_message(std::string& out, std::string_view role, std::string_view content) {
  out.append("{\"role\":");
  append_json_string(out, role);
  out.append(",\"content\":");
  append_json_string(out, content);
  out.append("},");
}

// A finite double as a JSON number that stays a fraction for its reader: shortest round-trip,
// with ".0" after a whole number ("1" would read back as an integer).
void append_fraction(std::string& out, double v) {
  char text[40];
  auto size = static_cast<std::size_t>(std::to_chars(text, text + 32, v).ptr - text);
  if (std::string_view(text, size).find_first_of(".e") == std::string_view::npos) {
    text[size++] = '.';
    text[size++] = '0';
  }
  out.append(text, size);
}

std::string settings_tail(const gateway_config& cfg, bool stream) {
  std::string out = "],\"max_completion_tokens\":";
  append_decimal(out, cfg.max_new_tokens);
  out.append(",\"temperature\":");
  append_fraction(out, cfg.temperature);
  out.append(",\"top_p\":");
  append_fraction(out, cfg.top_p);
  out.append(stream ? ",\"stream\":true" : ",\"stream\":false");
  if (auto effort = effective_reasoning_effort(cfg); !effort.empty()) {
    out.append(",\"reasoning_effort\":");
    append_json_string(out, effort);
  }
  // OpenAI-compatible servers other than Groq only report usage in a stream when asked.
  if (stream) out.append(",\"stream_options\":{\"include_usage\":true}");
  out.push_back('}');
  return out;
}

}  // namespace

upstream_body_builder::upstream_body_builder(const gateway_config& cfg)
    : history_limit_(cfg.history_limit), json_tail_(settings_tail(cfg, false)),
      stream_tail_(settings_tail(cfg, true)) {
  head_.append("{\"model\":");
  append_json_string(head_, cfg.model);
  head_.append(",\"messages\":[");
  if (!cfg.system_prompt.empty()) append_message(system_, "system", cfg.system_prompt);
  std::string with_instruction = cfg.system_prompt;
  if (!with_instruction.empty()) with_instruction += "\n\n";
  with_instruction += pii_instruction;
  append_message(system_with_pii_instruction_, "system", with_instruction);
}

std::string upstream_body_builder::operator()(const chat_request& request, bool stream,
                                              bool placeholders) const {
  const auto history = trimmed_history(request.history, history_limit_);
  const auto& system = placeholders ? system_with_pii_instruction_ : system_;
  const auto& tail = stream ? stream_tail_ : json_tail_;
  std::size_t size = head_.size() + system.size() + tail.size() + 32 + request.question.size();
  for (const auto& m : history) size += 32 + m.role.size() + m.content.size();

  std::string out;
  out.reserve(size + size / 8);  // room for some escapes
  out.append(head_).append(system);
  for (const auto& m : history) append_message(out, m.role, m.content);
  append_message(out, "user", request.question);
  out.pop_back();  // the last message's comma: the tail closes the array
  out.append(tail);
  return out;
}

}  // namespace gateway
