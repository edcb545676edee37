#include "http/request_context.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "core/text.hpp"
#include "http/responses.hpp"

#include <boost/beast/core/string.hpp>

namespace gateway {

bool has_json_body(const request_t& req) {
  const std::string_view media = req[http::field::content_type];
  return boost::beast::iequals(trim_ows(media.substr(0, media.find(';'))), "application/json");
}

net::awaitable<bool> send_reply(request_context& rc, unsigned status, std::string body,
                                std::chrono::milliseconds timeout, reply_headers headers) {
  auto res = make_response(status, std::move(body), headers.content_type, rc.req.keep_alive(), rc.req.version());
  res.set("x-request-id", rc.id);
  if (!headers.allow.empty()) res.set(http::field::allow, headers.allow);
  if (!headers.retry_after.empty()) res.set(http::field::retry_after, headers.retry_after);
  if (!headers.x_cache.empty()) res.set("x-cache", headers.x_cache);
  if (!headers.x_cache_match.empty()) res.set("x-cache-match", headers.x_cache_match);
  for (const auto& [name, value] : headers.extra) res.set(name, value);
  if (rc.req.method() == http::verb::head) res.body().clear();  // Content-Length stays that of GET
  rc.report.status = status;
  const auto ec = co_await write_with_deadline(rc.client, res, timeout);
  if (!ec) rc.report.bytes += res.body().size();
  co_return !ec && rc.req.keep_alive();
}

}  // namespace gateway
