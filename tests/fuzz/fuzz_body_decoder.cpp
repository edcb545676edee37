// libFuzzer target: the upstream body decoder.
// 1. Any input as a chunked body, fed whole and cut at a point taken from the input, decodes to the
//    same body with the same outcome (split invariance), never reading past its input.
// 2. The input as body bytes, cut into chunks at sizes taken from it, framed as chunked and fed in
//    pieces, decodes back to exactly those bytes (round trip).
#include "transport/body_decoder.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct outcome {
  std::string body;
  bool failed = false;
  bool done = false;
};

outcome run(const std::vector<std::string_view>& arrivals) {
  gateway::body_decoder d = gateway::body_decoder::chunked();
  outcome out;
  std::string buffer;
  for (auto a : arrivals) {
    buffer.append(a);
    for (;;) {
      std::error_code ec;
      const auto p = d.feed(buffer, ec);
      if (ec) {
        out.failed = true;
        return out;
      }
      if (p.used > buffer.size()) std::abort();
      if (!p.data.empty() && p.data.data() + p.data.size() != buffer.data() + p.used) std::abort();
      out.body.append(p.data);
      buffer.erase(0, p.used);
      if (d.done() || p.data.empty()) break;
    }
    if (d.done()) break;
  }
  out.done = d.done();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::size_t cut = std::min<std::size_t>(data[0] % size, input.size());
  const auto whole = run({input});
  const auto split = run({input.substr(0, cut), input.substr(cut)});
  if (whole.failed != split.failed || whole.done != split.done) std::abort();
  if (!whole.failed && whole.body != split.body) std::abort();

  // Round trip: chunk sizes from the input's bytes (1..64), framed, fed in pieces of data[0] % 7 + 1.
  std::string wire;
  for (std::size_t i = 0; i < input.size();) {
    const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(input[i]) % 64 + 1, input.size() - i);
    char head[32];
    std::snprintf(head, sizeof head, "%zx%s\r\n", n, (i & 1) ? ";ext=1" : "");
    wire += head;
    wire.append(input.substr(i, n));
    wire += "\r\n";
    i += n;
  }
  wire += "0\r\n\r\n";
  std::vector<std::string_view> pieces;
  const std::size_t step = data[0] % 7 + 1;
  for (std::size_t i = 0; i < wire.size(); i += step) pieces.push_back(std::string_view(wire).substr(i, step));
  const auto back = run(pieces);
  if (back.failed || !back.done || back.body != input) std::abort();
  return 0;
}
