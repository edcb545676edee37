#include "cluster/gcra.hpp"
#include "gateway/rate_limit_reply.hpp"
#include "net/client_address.hpp"

#include <catch2/catch.hpp>

using namespace gateway;
using namespace gateway::cluster;

TEST_CASE("gcra: a limit per minute allows a burst of the limit, then one per interval", "[limits]") {
  double tat = 0;
  const double now = 1'000'000;
  for (int i = 0; i < 10; ++i) {
    const auto d = gcra(tat, now, 10, 1);
    REQUIRE(d.allowed);
    CHECK(d.remaining == 9 - i);
    tat = d.tat_ms;
  }
  auto refused = gcra(tat, now, 10, 1);
  CHECK_FALSE(refused.allowed);
  CHECK(refused.remaining == 0);
  CHECK(refused.retry_after_ms == Approx(6000));  // one request comes back every 6 s
  CHECK(refused.tat_ms == tat);                  // a refusal takes nothing
  CHECK_FALSE(gcra(tat, now + 5999, 10, 1).allowed);
  CHECK(gcra(tat, now + 6000, 10, 1).allowed);
  CHECK(gcra(tat, now + 60'000, 10, 1).remaining == 9);  // all back after a minute
}

TEST_CASE("gcra: tokens are charged after the fact and a debt is waited out", "[limits]") {
  const double now = 5'000'000;
  CHECK(gcra(0, now, 1000, 0).allowed);  // a check takes nothing
  double tat = gcra_charge(0, now, 1000, 1500);  // 1,500 tokens of a 1,000 per minute budget
  const auto d = gcra(tat, now, 1000, 0);
  CHECK_FALSE(d.allowed);
  CHECK(d.retry_after_ms == Approx(30'060));  // 500 tokens of debt plus one, at 60 ms each
  CHECK(gcra(tat, now + 30'060, 1000, 0).allowed);
}

TEST_CASE("client address: the peer, or X-Forwarded-For from a trusted proxy", "[limits]") {
  namespace ip = boost::asio::ip;
  std::string why;
  const auto trusted = *parse_address_ranges("10.0.0.0/8, 127.0.0.1, fd00::/8", why);
  const auto peer = ip::make_address("10.1.2.3");
  CHECK(client_address(ip::make_address("198.51.100.4"), "203.0.113.9", trusted) == "198.51.100.4");  // untrusted peer
  CHECK(client_address(peer, "", trusted) == "10.1.2.3");
  CHECK(client_address(peer, "203.0.113.9", trusted) == "203.0.113.9");
  // The right-most address no trusted proxy vouches for; what is left of it may be forged.
  CHECK(client_address(peer, "1.1.1.1, 203.0.113.9, 10.0.0.5", trusted) == "203.0.113.9");
  CHECK(client_address(peer, "10.0.0.7, 10.0.0.5", trusted) == "10.0.0.7");  // all trusted: the left-most
  CHECK(client_address(peer, "203.0.113.9, garbage", trusted) == "10.1.2.3");  // unreadable: stop there
  CHECK(client_address(ip::make_address("::ffff:127.0.0.1"), "203.0.113.9", trusted) == "203.0.113.9");
  CHECK(client_address(ip::make_address("fd12::1"), "2001:db8::5", trusted) == "2001:db8::5");
  CHECK(client_address(peer, "203.0.113.9", {}) == "10.1.2.3");  // no TRUSTED_PROXIES: never believed
  for (auto bad : {"10.0.0.0/33", "x", "10.0.0.0/", "::/129", "1.2.3.4/a"}) {
    INFO(bad);
    CHECK_FALSE(parse_address_ranges(bad, why));
  }
  CHECK(parse_address_ranges("", why)->empty());
}

// Issue 35: behind a proxy that appends a line of its own, the first line alone was the client's
// own claim. The lines are one list (gateway::forwarded_for joins them).
TEST_CASE("client address: X-Forwarded-For read over all its lines", "[limits]") {
  namespace ip = boost::asio::ip;
  std::string why;
  const auto trusted = *parse_address_ranges("127.0.0.1", why);
  gateway::inbound_request req(boost::beast::http::verb::post, "/chat", 11);
  req.insert("X-Forwarded-For", "198.51.100.1");
  req.insert("Host", "x");
  req.insert("x-forwarded-for", " 203.0.113.7 ");
  req.insert("X-Forwarded-For", "");
  CHECK(gateway::forwarded_for(req) == "198.51.100.1, 203.0.113.7");
  CHECK(client_address(ip::make_address("127.0.0.1"), gateway::forwarded_for(req), trusted) == "203.0.113.7");
  const gateway::inbound_request none(boost::beast::http::verb::get, "/", 11);
  CHECK(gateway::forwarded_for(none).empty());
}

TEST_CASE("client address: an IPv6 client counts as its network", "[limits]") {
  namespace ip = boost::asio::ip;
  CHECK(address_group(ip::make_address("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64) == "2001:db8:1:2::/64");
  CHECK(address_group(ip::make_address("2001:db8:1:2::1"), 64) == address_group(ip::make_address("2001:db8:1:2:ffff::9"), 64));
  CHECK(address_group(ip::make_address("2001:db8:1:3::1"), 64) != address_group(ip::make_address("2001:db8:1:2::1"), 64));
  CHECK(address_group(ip::make_address("2001:db8:1:2ff::1"), 56) == "2001:db8:1:200::/56");
  CHECK(address_group(ip::make_address("2001:db8::1"), 128) == "2001:db8::1");
  CHECK(address_group(ip::make_address("2001:8db8::1"), 17) == "2001:8000::/17");  // a prefix inside a byte
  CHECK(address_group(ip::make_address("198.51.100.7"), 64) == "198.51.100.7");  // IPv4 alone
  CHECK(address_group(ip::make_address("::ffff:198.51.100.7"), 64) == "198.51.100.7");  // mapped: IPv4
}

TEST_CASE("x-ratelimit-reset: Groq's and OpenAI's duration format", "[limits]") {
  CHECK(gateway::reset_text(6000) == "6s");
  CHECK(gateway::reset_text(500) == "0.5s");
  CHECK(gateway::reset_text(62'500) == "1m2.5s");
  CHECK(gateway::reset_text(-5) == "0s");
}
