// The gateway's own client keys (GATEWAY_API_KEYS): when any are configured, every API request must
// carry one as "Authorization: Bearer KEY". Compared in constant time: each presented token is
// hashed (SHA-256) and compared with every configured key's hash with CRYPTO_memcmp, never stopping
// early, so neither the length nor the content of a key leaks through timing.
// A request's key is known by which configured key it matched (match, limit_id), never by how the
// header spelled it: `bearer K`, `Bearer  K` and `BEARER K` are one client to the rate limits.
// Threading: immutable after construction.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

class api_keys {
 public:
  /// `comma_list`: "key1,key2"; blanks around keys are ignored; empty means the API is open.
  explicit api_keys(std::string_view comma_list);

  bool enabled() const { return !hashes_.empty(); }
  std::size_t size() const { return hashes_.size(); }
  /// Whether an Authorization header value carries one of the keys (always true when disabled).
  bool accepts(std::string_view authorization) const { return !enabled() || match(authorization).has_value(); }
  /// The position of the configured key an Authorization header value carries; nullopt when it
  /// carries none (or no keys are configured). Every key is compared, whichever matches.
  std::optional<std::size_t> match(std::string_view authorization) const;
  /// The name the rate limits give configured key `index`: "k:" and 96 bits of its SHA-256 in hex
  /// - the same on every instance with that key, whatever its position, and revealing nothing.
  const std::string& limit_id(std::size_t index) const { return ids_.at(index); }

 private:
  std::vector<std::array<unsigned char, 32>> hashes_;
  std::vector<std::string> ids_;
};

}  // namespace gateway
