#include "gateway/rate_limit_reply.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "core/text.hpp"
#include "http/header_lookup.hpp"
#include "net/client_address.hpp"

#include <cmath>
#include <utility>
#include <vector>

namespace gateway {

std::string limit_client(const gateway_config& cfg, std::string_view key_id, const request_context& rc) {
  if (!key_id.empty()) return std::string(key_id);
  boost::system::error_code ec;
  const auto peer = rc.client.socket().remote_endpoint(ec);
  if (ec) return "ip:unknown";
  const auto client = client_ip(peer.address(), forwarded_for(rc.req), cfg.trusted_proxies);
  return "ip:" + address_group(client, cfg.rate_limit_ipv6_prefix);
}

std::string forwarded_for(const inbound_request& req) {
  std::string joined;
  for (const auto field : req) {
    const auto name = field.name_string();
    if (name.size() != 15 || !boost::beast::iequals(name, "x-forwarded-for")) continue;
    const auto value = trim_ows(field.value());
    if (value.empty()) continue;
    if (!joined.empty()) joined += ", ";
    joined += value;
  }
  return joined;
}

std::string reset_text(double ms) {
  const double seconds = std::max(0.0, ms) / 1000.0;
  if (seconds < 60) return fmt::format("{:.3g}s", seconds);
  const auto minutes = static_cast<long>(seconds / 60);
  return fmt::format("{}m{:.3g}s", minutes, seconds - 60.0 * static_cast<double>(minutes));
}

asio::awaitable<bool> refuse_over_limit(request_context& rc, const gateway_config& cfg,
                                        cluster::rate_limit_settings limits, error_style style,
                                        const cluster::limit_verdict& v, const logger& log) {
  const auto seconds = static_cast<long>(std::ceil(std::max(v.retry_after_ms, 1.0) / 1000.0));
  const auto retry_after = std::to_string(seconds);
  std::vector<std::pair<std::string, std::string>> extra;
  const auto add = [&](std::string_view what, unsigned limit, std::int64_t remaining, double reset_ms) {
    extra.emplace_back(fmt::format("x-ratelimit-limit-{}", what), std::to_string(limit));
    extra.emplace_back(fmt::format("x-ratelimit-remaining-{}", what), std::to_string(std::max<std::int64_t>(0, remaining)));
    extra.emplace_back(fmt::format("x-ratelimit-reset-{}", what), reset_text(reset_ms));
  };
  if (limits.rpm) add("requests", limits.rpm, v.remaining_requests, v.reset_requests_ms);
  if (limits.tpm) add("tokens", limits.tpm, v.remaining_tokens, v.reset_tokens_ms);
  const auto what = v.by_tokens ? "tokens" : "requests";
  const auto target = rc.req.target();
  const auto path = target.substr(0, target.find('?'));  // a query string may carry secrets
  log.info("{} {} {} 429 client over its {} per minute", rc.id, rc.req.method_string(), path, what);
  auto body = error_body(style, 429, "rate_limited",
                         fmt::format("this client's {} per minute are used up; retry in {} s", what, seconds));
  reply_headers headers;
  headers.retry_after = retry_after;
  headers.extra = extra;
  co_return co_await send_reply(rc, 429, std::move(body), cfg.client_write_timeout, headers);
}

}  // namespace gateway
