// Who the client is, for per-client limits: the connection's peer, or - when that peer is one of
// TRUSTED_PROXIES - the right-most X-Forwarded-For address that is not a trusted proxy (each proxy
// appends the address it saw, so addresses left of a trusted one's entry may be forged). Pure.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

struct address_range {
  boost::asio::ip::address base;
  unsigned prefix = 0;  // bits
  bool contains(const boost::asio::ip::address& a) const;
};

/// TRUSTED_PROXIES: comma-separated addresses or CIDRs ("10.0.0.0/8, ::1"); nullopt and `why` on
/// anything else.
std::optional<std::vector<address_range>> parse_address_ranges(std::string_view list, std::string& why);

/// The client's address as text.
std::string client_address(const boost::asio::ip::address& peer, std::string_view x_forwarded_for,
                           const std::vector<address_range>& trusted);

}  // namespace gateway
