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
    if (!key.empty()) hashes_.push_back(sha256(key));
    comma_list = comma == std::string_view::npos ? std::string_view{} : comma_list.substr(comma + 1);
  }
}

bool api_keys::accepts(std::string_view authorization) const {
  if (hashes_.empty()) return true;
  constexpr std::string_view scheme = "Bearer ";
  if (authorization.size() <= scheme.size()) return false;
  for (std::size_t i = 0; i < scheme.size(); ++i)  // the scheme is case-insensitive (RFC 9110)
    if ((authorization[i] | 0x20) != (scheme[i] | 0x20)) return false;
  const auto presented = sha256(trim(authorization.substr(scheme.size())));
  int match = 0;
  for (const auto& h : hashes_) match |= CRYPTO_memcmp(h.data(), presented.data(), h.size()) == 0;
  return match != 0;
}

}  // namespace gateway
