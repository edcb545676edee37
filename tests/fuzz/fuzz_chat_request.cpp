// libFuzzer target: the /chat request validator must answer any bytes with a request or an error,
// never crash, and a question it accepts is valid UTF-8 within the limits. Differential too: its
// fast path (plain_chat_request.hpp) must give exactly what the full parser gives for every body it
// takes.
#include "chat/chat_request.hpp"
#include "chat/plain_chat_request.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <variant>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const gateway::request_limits limits{200};
  const auto parsed = gateway::parse_chat_request(body, limits);
  if (const auto* ok = std::get_if<gateway::chat_request>(&parsed)) {
    if (ok->question.empty() || ok->question.size() > 4 * 200) std::abort();
  }
  if (const auto plain = gateway::parse_plain_chat_request(body, limits)) {
    const auto document = gateway::parse_chat_request_document(body, limits);
    const auto* full = std::get_if<gateway::chat_request>(&document);
    if (!full || full->question != plain->question || full->stream != plain->stream || full->cache != plain->cache ||
        !full->history.empty())
      std::abort();
  }
  return 0;
}
