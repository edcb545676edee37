// A self-signed certificate made at run time, so that groq-sim can serve real, verified TLS on
// loopback without a certificate checked into the repository.
#pragma once

#include <string>
#include <vector>

namespace gateway {

struct pem_pair {
  std::string certificate;
  std::string private_key;
};

/// An ECDSA P-256 certificate valid for a week, with `names` as subjectAltNames (IP literals become
/// IP entries, the rest DNS entries). Throws std::runtime_error on an OpenSSL failure.
pem_pair make_self_signed(const std::vector<std::string>& names);

}  // namespace gateway
