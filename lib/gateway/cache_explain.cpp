#include "gateway/cache_explain.hpp"

#include "pii/pii_mapping.hpp"

#include <boost/json.hpp>

#include <optional>

namespace gateway {

std::variant<std::string, request_error> explain_question(std::string_view body,
                                                          const question_normalizer& normalize,
                                                          const question_canon* canon,
                                                          const request_limits& limits,
                                                          const pii_settings* pii) {
  // The question is read and checked as /chat reads it: the same limits, the same errors.
  auto parsed = parse_chat_request(body, limits);
  if (auto* bad = std::get_if<request_error>(&parsed)) return std::move(*bad);
  const auto& question = std::get<chat_request>(parsed).question;
  std::optional<std::string> placeholders;
  if (pii && pii->active()) {
    pii_mapping mapping;
    mapping.reserve(question);
    placeholders = mapping.pseudonymise(question, pii->kinds);
  }
  const auto normalized = normalize(placeholders ? *placeholders : question);
  boost::json::array rules;
  canonical_question form{normalized, false};
  if (canon) {
    std::vector<std::string> fired;
    form = canon->explain(normalized, fired);
    for (auto& r : fired) rules.emplace_back(r);
  }
  boost::json::object out;
  out["question"] = question;
  out["normalized"] = normalized;
  out["match"] = !canon ? "exact (CACHE_MATCH=exact)" : form.similar ? "similar" : "exact";
  out["form"] = form.text;
  out["rules"] = std::move(rules);
  return boost::json::serialize(out);
}

}  // namespace gateway
