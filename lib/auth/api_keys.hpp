// The gateway's own client keys (GATEWAY_API_KEYS): when any are configured, every API request must
// carry one as "Authorization: Bearer KEY". Compared in constant time: each presented token is
// hashed (SHA-256) and compared with every configured key's hash with CRYPTO_memcmp, never stopping
// early, so neither the length nor the content of a key leaks through timing.
// Threading: immutable after construction.
#pragma once

#include <array>
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
  bool accepts(std::string_view authorization) const;

 private:
  std::vector<std::array<unsigned char, 32>> hashes_;
};

}  // namespace gateway
