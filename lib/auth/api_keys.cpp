#include "auth/api_keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace gateway {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> out{};
  unsigned int len = 0;
  if (EVP_Digest(s.data(), s.size(), out.data(), &len, EVP_sha256(), nullptr) != 1 || len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

api_keys::api_keys(std::string_view comma_list) {
  while (!comma_list.empty()) {
    const auto comma = comma_list.find(',');
    const auto key = trim(comma_list.substr(0, comma));
    if (!key.empty()) {
      hashes_.push_back(sha256(key));
      // A hash of the hash: the limit's name is never the value keys are compared against.
      const auto named = sha256(std::string_view(reinterpret_cast<const char*>(hashes_.back().data()), 32));
      std::string id = "k:";
      for (std::size_t i = 0; i < 12; ++i) {
        static constexpr char digits[] = "0123456789abcdef";
        id += digits[named[i] >> 4];
        id += digits[named[i] & 15];
      }
      ids_.push_back(std::move(id));
    }
    comma_list = comma == std::string_view::npos ? std::string_view{} : comma_list.substr(comma + 1);
  }
}

std::optional<std::size_t> api_keys::match(std::string_view authorization) const {
  if (hashes_.empty()) return std::nullopt;
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < scheme.size(); ++i)  // the scheme is case-insensitive (RFC 9110)
    if ((authorization[i] | 0x20) != (scheme[i] | 0x20)) return std::nullopt;
  const auto presented = sha256(trim(authorization.substr(scheme.size())));
  // No early exit and no branch on the comparison: the time does not depend on which key matched.
  // A key configured twice matches at its last position; its limit_id is the same at both.
  std::size_t found = hashes_.size();
  for (std::size_t i = 0; i < hashes_.size(); ++i) {
    const std::size_t same = CRYPTO_memcmp(hashes_[i].data(), presented.data(), presented.size()) == 0;
    found = same * i + (1 - same) * found;
  }
  if (found == hashes_.size()) return std::nullopt;
  return found;
}

}  // namespace gateway
