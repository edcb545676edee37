#include "chat/upstream_body.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace gateway {

std::span<const chat_message> trimmed_history(const std::vector<chat_message>& history,
                                              unsigned limit) noexcept {
  const std::size_t keep = std::min<std::size_t>(history.size(), limit);
  return std::span<const chat_message>(history).subspan(history.size() - keep);
}

std::string effective_reasoning_effort(const gateway_config& cfg) {
  if (cfg.reasoning_effort != "auto") return cfg.reasoning_effort;
  // gpt-oss models reason before answering and the reasoning counts against
  // max_completion_tokens: with the seed's budget of 300, "low" leaves room for the answer.
  return cfg.model.find("gpt-oss") != std::string::npos ? "low" : "";
}

std::string build_upstream_body(const chat_request& request, const gateway_config& cfg, bool stream) {
  boost::json::array messages;
  const auto history = trimmed_history(request.history, cfg.history_limit);
  messages.reserve(history.size() + 2);
  if (!cfg.system_prompt.empty())
    messages.push_back(boost::json::object{{"role", "system"}, {"content", cfg.system_prompt}});
  for (const auto& m : history)
    messages.push_back(boost::json::object{{"role", m.role}, {"content", m.content}});
  messages.push_back(boost::json::object{{"role", "user"}, {"content", request.question}});

  boost::json::object body{
      {"model", cfg.model},
      {"messages", std::move(messages)},
      {"max_completion_tokens", cfg.max_new_tokens},
      {"temperature", cfg.temperature},
      {"top_p", cfg.top_p},
      {"stream", stream},
  };
  if (auto effort = effective_reasoning_effort(cfg); !effort.empty()) body["reasoning_effort"] = effort;
  // OpenAI-compatible servers other than Groq only report usage in a stream when asked.
  if (stream) body["stream_options"] = boost::json::object{{"include_usage", true}};
  return boost::json::serialize(body);
}

}  // namespace gateway
