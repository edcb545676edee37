// libFuzzer target: the SSE parser, fed the input whole and then split at a point taken from the
// input, must produce the same events both ways (split invariance) and never crash.
#include "sse/sse_parser.hpp"

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

namespace {
std::vector<gateway::sse_event> run(std::string_view a, std::string_view b, bool& ok) {
  gateway::sse_parser p(4096);
  std::vector<gateway::sse_event> out;
  ok = p.feed(a);
  while (auto e = p.next()) out.push_back(std::move(*e));
  if (ok) ok = p.feed(b);
  while (auto e = p.next()) out.push_back(std::move(*e));
  return out;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t cut = data[0] % size;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  bool whole_ok = false, split_ok = false;
  const auto whole = run(input, {}, whole_ok);
  const auto split = run(input.substr(0, std::min(cut, input.size())), input.substr(std::min(cut, input.size())), split_ok);
  if (whole_ok != split_ok) std::abort();
  if (whole_ok) {
    if (whole.size() != split.size()) std::abort();
    for (std::size_t i = 0; i < whole.size(); ++i)
      if (whole[i].data != split[i].data || whole[i].type != split[i].type || whole[i].id != split[i].id) std::abort();
  }
  return 0;
}
