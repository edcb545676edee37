#include "net/client_address.hpp"

#include "core/text.hpp"

#include <charconv>

namespace gateway {
namespace ip = boost::asio::ip;

namespace {

// An IPv4-mapped IPv6 address (::ffff:1.2.3.4, what a dual-stack socket reports) as IPv4.
ip::address plain(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return plain(a);
}

}  // namespace

bool address_range::contains(const ip::address& raw) const {
  const auto a = plain(raw);
  if (a.is_v4() != base.is_v4()) return false;
  const auto bytes = [](const ip::address& x) {
    std::array<unsigned char, 16> out{};
    if (x.is_v4()) {
      const auto b = x.to_v4().to_bytes();
      std::copy(b.begin(), b.end(), out.begin());
    } else {
      out = x.to_v6().to_bytes();
    }
    return out;
  };
  const auto x = bytes(a), y = bytes(base);
  unsigned bits = prefix;
  for (std::size_t i = 0; bits > 0; ++i, bits = bits >= 8 ? bits - 8 : 0) {
    const unsigned mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((x[i] & mask) != (y[i] & mask)) return false;
  }
  return true;
}

std::optional<std::vector<address_range>> parse_address_ranges(std::string_view list, std::string& why) {
  std::vector<address_range> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (item.empty()) continue;
    const auto slash = item.find('/');
    const auto base = parse_address(item.substr(0, slash));
    if (!base) {
      why = "has an entry that is not an address or CIDR";
      return std::nullopt;
    }
    address_range r{*base, base->is_v4() ? 32u : 128u};
    if (slash != std::string_view::npos) {
      const auto bits = item.substr(slash + 1);
      const auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), r.prefix);
      if (bits.empty() || ec != std::errc{} || end != bits.data() + bits.size() || r.prefix > (base->is_v4() ? 32u : 128u)) {
        why = "has a CIDR with a bad prefix length";
        return std::nullopt;
      }
    }
    out.push_back(r);
  }
  return out;
}

ip::address client_ip(const ip::address& peer_raw, std::string_view x_forwarded_for,
                      const std::vector<address_range>& trusted) {
  const auto peer = plain(peer_raw);
  const auto is_trusted = [&](const ip::address& a) {
    for (const auto& r : trusted)
      if (r.contains(a)) return true;
    return false;
  };
  if (!is_trusted(peer)) return peer;
  // Right to left: the first address no trusted proxy vouches for is the client.
  std::string_view rest = x_forwarded_for;
  ip::address client = peer;
  while (!rest.empty()) {
    const auto comma = rest.rfind(',');
    const auto item = trim_ows(comma == std::string_view::npos ? rest : rest.substr(comma + 1));
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(0, comma);
    const auto a = parse_address(item);
    if (!a) break;  // garbage: what is right of it is all that can be believed
    client = *a;
    if (!is_trusted(*a)) break;
  }
  return client;
}

std::string client_address(const ip::address& peer, std::string_view x_forwarded_for,
                           const std::vector<address_range>& trusted) {
  return client_ip(peer, x_forwarded_for, trusted).to_string();
}

std::string address_group(const ip::address& raw, unsigned ipv6_prefix) {
  const auto a = plain(raw);
  if (a.is_v4() || ipv6_prefix >= 128) return a.to_string();
  auto bytes = a.to_v6().to_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit >= ipv6_prefix)
      bytes[i] = 0;
    else if (ipv6_prefix - first_bit < 8)
      bytes[i] = static_cast<unsigned char>(bytes[i] & (0xff << (8 - (ipv6_prefix - first_bit))));
  }
  return ip::address_v6(bytes).to_string() + "/" + std::to_string(ipv6_prefix);
}

}  // namespace gateway
