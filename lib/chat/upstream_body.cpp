#include "chat/upstream_body.hpp"

#include "core/text.hpp"
#include "pii/pii_mapping.hpp"

#include <bit>
#include <charconv>
#include <cstdint>

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
// with ".0" after a whole number ("1" would read back as an integer). The sampling settings are the
// same in every request and std::to_chars of a double is not cheap (benchmark 9), so each call site
// keeps (per thread) the last value it wrote and its text; bits compared, so -0.0 is not 0.0.
struct fraction_text {
  std::uint64_t bits = 0;
  bool valid = false;
  char text[40];
  std::size_t size = 0;
};
void append_fraction(std::string& out, double v, fraction_text& memo) {
  const auto bits = std::bit_cast<std::uint64_t>(v);
  if (!memo.valid || memo.bits != bits) {
    const auto end = std::to_chars(memo.text, memo.text + 32, v).ptr;
    memo.size = static_cast<std::size_t>(end - memo.text);
    if (std::string_view(memo.text, memo.size).find_first_of(".e") == std::string_view::npos) {
      memo.text[memo.size++] = '.';
      memo.text[memo.size++] = '0';
    }
    memo.bits = bits;
    memo.valid = true;
  }
  out.append(memo.text, memo.size);
}

}  // namespace

// Written by hand, fields in the order the DOM it replaces had them: building and serializing a
// json::object was a large part of every /chat request that goes upstream (benchmark 9).
// The sampling settings are finite (configuration checks them).
std::string build_upstream_body(const chat_request& request, const gateway_config& cfg, bool stream,
                                bool placeholders) {
  const auto history = trimmed_history(request.history, cfg.history_limit);
  std::size_t size = 256 + cfg.model.size() + cfg.system_prompt.size() + request.question.size();
  for (const auto& m : history) size += 32 + m.role.size() + m.content.size();

  std::string out;
  out.reserve(size + size / 8);  // room for some escapes
  out.append("{\"model\":");
  append_json_string(out, cfg.model);
  out.append(",\"messages\":[");
  if (placeholders) {
    std::string system = cfg.system_prompt;
    if (!system.empty()) system += "\n\n";
    system += pii_instruction;
    append_message(out, "system", system);
  } else if (!cfg.system_prompt.empty()) {
    append_message(out, "system", cfg.system_prompt);
  }
  for (const auto& m : history) append_message(out, m.role, m.content);
  append_message(out, "user", request.question);
  out.back() = ']';
  out.append(",\"max_completion_tokens\":");
  append_decimal(out, cfg.max_new_tokens);
  thread_local fraction_text temperature_text, top_p_text;
  out.append(",\"temperature\":");
  append_fraction(out, cfg.temperature, temperature_text);
  out.append(",\"top_p\":");
  append_fraction(out, cfg.top_p, top_p_text);
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

}  // namespace gateway
