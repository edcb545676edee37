// POST /v1/cache/explain {"question": "..."}: why two questions share a cached answer. Answers the
// question's normalized text and its similar-question form with the rules that made it
// (lib/match/question_canon.hpp); two questions share an answer exactly when their forms (and their
// histories) are equal. Behind the gateway key like every /v1 path; asks nothing upstream and reads
// no cache entry, so it reveals nothing any other client asked.
// Pure: the body in, the reply body (or the client's error) out.
#pragma once

#include "cache/question_normalizer.hpp"
#include "chat/chat_request.hpp"
#include "match/question_canon.hpp"
#include "pii/pii_kind.hpp"

#include <string>
#include <string_view>
#include <variant>

namespace gateway {

/// `canon` null: CACHE_MATCH=exact (the form is the normalized text). With `pii` active, the form
/// is that of the question with its personal data replaced, as /chat keys it ("question" stays as
/// sent: the reply goes to the client who sent it, and nothing is kept).
std::variant<std::string, request_error> explain_question(std::string_view body,
                                                          const question_normalizer& normalize,
                                                          const question_canon* canon,
                                                          const request_limits& limits,
                                                          const pii_settings* pii = nullptr);

}  // namespace gateway
