#include "cache/entry_codec.hpp"

#include <cstdint>
#include <cstring>
#include <limits>

namespace gateway {
namespace {

constexpr std::string_view magic = "CGW";

template <class T>
void put(std::string& out, T v) {
  static_assert(std::is_integral_v<T>);
  using U = std::make_unsigned_t<T>;
  auto u = static_cast<U>(v);
  for (std::size_t i = 0; i < sizeof(T); ++i) out += static_cast<char>((u >> (8 * i)) & 0xFF);
}

void put_string(std::string& out, std::string_view s) {
  put(out, static_cast<std::uint32_t>(s.size()));
  out += s;
}

struct reader {
  std::string_view in;
  bool ok = true;

  template <class T>
  T get() {
    using U = std::make_unsigned_t<T>;
    if (in.size() < sizeof(T)) {
      ok = false;
      return 0;
    }
    U u = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) u |= static_cast<U>(static_cast<unsigned char>(in[i])) << (8 * i);
    in.remove_prefix(sizeof(T));
    return static_cast<T>(u);
  }
  std::string get_string() {
    const auto n = get<std::uint32_t>();
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string s(in.substr(0, n));
    in.remove_prefix(n);
    return s;
  }
};

}  // namespace

std::string encode_entry(const cached_answer& a) {
  std::string out;
  out.reserve(magic.size() + 1 + 6 * 4 + a.answer.size() + a.reasoning.size() + a.model.size() +
              a.finish_reason.size() + a.id.size() + a.question.size() + 8 + 1 + 24);
  out += magic;
  out += static_cast<char>(entry_codec_version);
  put_string(out, a.answer);
  put_string(out, a.reasoning);
  put_string(out, a.model);
  put_string(out, a.finish_reason);
  put_string(out, a.id);
  put_string(out, a.question);
  put(out, a.created);
  out += static_cast<char>(a.usage ? 1 : 0);
  if (a.usage) {
    put(out, a.usage->prompt_tokens);
    put(out, a.usage->completion_tokens);
    put(out, a.usage->total_tokens);
  }
  return out;
}

std::optional<cached_answer> decode_entry(std::string_view bytes) {
  if (!bytes.starts_with(magic) || bytes.size() < magic.size() + 1) return std::nullopt;
  if (static_cast<unsigned char>(bytes[magic.size()]) != entry_codec_version) return std::nullopt;
  reader r{bytes.substr(magic.size() + 1)};
  cached_answer a;
  a.answer = r.get_string();
  a.reasoning = r.get_string();
  a.model = r.get_string();
  a.finish_reason = r.get_string();
  a.id = r.get_string();
  a.question = r.get_string();
  a.created = r.get<std::int64_t>();
  const auto flag = r.get<std::uint8_t>();
  if (!r.ok || flag > 1) return std::nullopt;
  if (flag == 1) {
    token_usage u;
    u.prompt_tokens = r.get<std::uint64_t>();
    u.completion_tokens = r.get<std::uint64_t>();
    u.total_tokens = r.get<std::uint64_t>();
    a.usage = u;
  }
  if (!r.ok || !r.in.empty()) return std::nullopt;
  return a;
}

}  // namespace gateway
