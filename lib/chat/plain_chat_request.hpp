// The body nearly every /chat client sends - {"question": "...", "stream": true} - read without
// building a JSON document. On a cache hit the document was the largest single cost of the request
// (benchmark 9: 2,100 of 14,400 instructions, for a 30-byte body). A pure function; the full
// parser (chat_request.hpp) stays the definition of what a body means.
//
// What is read here: one object, its members among "question" (a string), "stream" and "cache"
// (true, false or null), each at most once, "question" present; a question string with no escape
// and well-formed UTF-8; JSON's white space between tokens. Any other body - every invalid one
// included, and a valid question that breaks a limit - is not decided here (nullopt): the full
// parser answers it, with the error a client must see. So a body read here must give exactly the
// request the full parser gives: the unit tests and the fuzz target (tests/fuzz) check both agree.
#pragma once

#include "chat/chat_request.hpp"

#include <optional>
#include <string_view>

namespace gateway {

std::optional<chat_request> parse_plain_chat_request(std::string_view body, const request_limits& limits);

}  // namespace gateway
