#include "tools/sim/sim_answer.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace gateway::sim {
namespace json = boost::json;
namespace {

json::object usage_json(const sim_answer& a) {
  const auto completion_tokens = static_cast<std::uint64_t>(a.tokens.size());
  return json::object{{"queue_time", 0.0001},
                      {"prompt_tokens", a.prompt_tokens},
                      {"prompt_time", 0.001},
                      {"completion_tokens", completion_tokens},
                      {"completion_time", a.seconds},
                      {"total_tokens", a.prompt_tokens + completion_tokens},
                      {"total_time", a.seconds + 0.001}};
}

std::string groq_request_id(const sim_answer& a) { return "req_sim_" + a.id; }

std::string sse(const json::value& v) { return "data: " + json::serialize(v) + "\n\n"; }

json::object chunk(const sim_answer& a, json::object delta, json::value finish_reason) {
  return json::object{{"id", a.id}, {"object", "chat.completion.chunk"}, {"created", a.created},
                      {"model", a.model}, {"system_fingerprint", "fp_sim"},
                      {"choices", json::array{json::object{{"index", 0}, {"delta", std::move(delta)},
                                                           {"logprobs", nullptr},
                                                           {"finish_reason", std::move(finish_reason)}}}}};
}

std::string joined(const std::vector<std::string>& tokens) {
  std::string out;
  for (const auto& t : tokens) out += t;
  return out;
}

}  // namespace

sim_answer plan_answer(std::string_view model, std::string_view question, const directives& d, unsigned max_tokens,
                       unsigned default_tokens) {
  sim_answer a;
  a.model = std::string(model);
  if (model_reasons(model)) a.reasoning = reasoning_tokens(question);
  const auto own = d.echo             ? echo_tokens(question)
                   : d.answer.empty() ? std::vector<std::string>{}
                                      : text_tokens(d.answer);
  const unsigned wanted = d.tokens.value_or(own.empty() ? default_tokens : static_cast<unsigned>(own.size()));
  const unsigned length = std::min(wanted, max_tokens);
  a.tokens = own.empty() ? answer_tokens(question, length) : repeat_tokens(own, length);
  a.finish_reason = wanted > max_tokens ? "length" : "stop";
  return a;
}

std::string completion_body(const sim_answer& a) {
  json::object message{{"role", "assistant"}, {"content", joined(a.tokens)}};
  if (!a.reasoning.empty()) message["reasoning"] = joined(a.reasoning);  // after the content, as Groq puts it
  const json::object body{
      {"id", a.id}, {"object", "chat.completion"}, {"created", a.created}, {"model", a.model},
      {"choices", json::array{json::object{{"index", 0},
                                           {"message", std::move(message)},
                                           {"logprobs", nullptr},
                                           {"finish_reason", a.finish_reason}}}},
      {"usage", usage_json(a)},
      {"system_fingerprint", "fp_sim"},
      {"x_groq", json::object{{"id", groq_request_id(a)}}}};
  return json::serialize(body);
}

std::string role_event(const sim_answer& a) {
  auto first = chunk(a, json::object{{"role", "assistant"}, {"content", ""}}, nullptr);
  first["x_groq"] = json::object{{"id", groq_request_id(a)}};
  return sse(first);
}

std::string reasoning_event(const sim_answer& a, std::size_t i) {
  return sse(chunk(a, json::object{{"reasoning", a.reasoning.at(i)}}, nullptr));
}

std::string content_event(const sim_answer& a, std::size_t i) {
  return sse(chunk(a, json::object{{"content", a.tokens.at(i)}}, nullptr));
}

std::string end_events(const sim_answer& a, bool include_usage) {
  auto last = chunk(a, json::object{}, json::string(a.finish_reason));
  last["x_groq"] = json::object{{"id", groq_request_id(a)}, {"usage", usage_json(a)}};
  std::string out = sse(last);
  if (include_usage) {
    const json::object u{{"id", a.id}, {"object", "chat.completion.chunk"}, {"created", a.created},
                         {"model", a.model}, {"choices", json::array{}}, {"usage", usage_json(a)}};
    out += sse(u);
  }
  out += "data: [DONE]\n\n";
  return out;
}

std::string stream_events(const sim_answer& a, bool include_usage) {
  std::string out = role_event(a);
  for (std::size_t i = 0; i < a.reasoning.size(); ++i) out += reasoning_event(a, i);
  for (std::size_t i = 0; i < a.tokens.size(); ++i) out += content_event(a, i);
  out += end_events(a, include_usage);
  return out;
}

}  // namespace gateway::sim
