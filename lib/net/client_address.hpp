// Who the client is, for per-client limits: the connection's peer, or - when that peer is one of
// TRUSTED_PROXIES - the right-most X-Forwarded-For address that is not a trusted proxy (each proxy
// appends the address it saw, so addresses left of a trusted one's entry may be forged). The list
// is every X-Forwarded-For field line joined in order: a proxy may append a line of its own
// (HAProxy does), and reading the first line alone let the client name itself. An IPv6 client
// counts as its network (address_group): one host commonly owns a whole /64. Pure.
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

  bool operator==(const address_range&) const = default;
};

/// TRUSTED_PROXIES: comma-separated addresses or CIDRs ("10.0.0.0/8, ::1"); nullopt and `why` on
/// anything else.
std::optional<std::vector<address_range>> parse_address_ranges(std::string_view list, std::string& why);

/// The client's address. `x_forwarded_for`: every X-Forwarded-For line, joined with commas.
boost::asio::ip::address client_ip(const boost::asio::ip::address& peer, std::string_view x_forwarded_for,
                                   const std::vector<address_range>& trusted);
/// The same as text.
std::string client_address(const boost::asio::ip::address& peer, std::string_view x_forwarded_for,
                           const std::vector<address_range>& trusted);

/// The group a per-client limit counts `a` in: an IPv4 address (or one mapped into IPv6) alone, an
/// IPv6 address as its network of `ipv6_prefix` bits ("2001:db8:1:2::/64"; 128: the address).
std::string address_group(const boost::asio::ip::address& a, unsigned ipv6_prefix);

}  // namespace gateway
