#include "web/web_handler.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "http/responses.hpp"
#include "web/negotiation.hpp"

#include <boost/beast/http/span_body.hpp>

namespace gateway::web {

asio::awaitable<bool> web_handler::serve(request_context& rc, const web_asset& asset) const {
  const bool gzip = !asset.gzipped.empty() && accepts_gzip(rc.req[beast::http::field::accept_encoding]);
  // Either tag names this version of the file, whichever encoding the client's copy has.
  const auto if_none_match = rc.req[beast::http::field::if_none_match];
  const bool current = etag_matches(if_none_match, asset.etag) || etag_matches(if_none_match, asset.etag_gzip);
  const auto body = gzip ? asset.gzipped : asset.body;

  beast::http::response<beast::http::span_body<const char>> res{current ? beast::http::status::not_modified : beast::http::status::ok,
                                                  rc.req.version()};
  res.set(beast::http::field::server, "chat-gateway");
  res.set("x-request-id", rc.id);
  res.set(beast::http::field::content_type, asset.content_type);
  // A gzipped reply is another representation, with its own tag.
  res.set(beast::http::field::etag, gzip ? asset.etag_gzip : asset.etag);
  if (gzip) res.set(beast::http::field::content_encoding, "gzip");
  if (!asset.gzipped.empty()) res.set(beast::http::field::vary, "Accept-Encoding");
  // Hashed names never change content; the page itself is revalidated on every visit, so a new
  // build's page (naming new files) is seen at once.
  res.set(beast::http::field::cache_control, asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set("content-security-policy", content_security_policy);
  res.set("x-content-type-options", "nosniff");
  res.set("referrer-policy", "no-referrer");
  res.set("x-frame-options", "DENY");
  res.set("cross-origin-opener-policy", "same-origin");
  res.keep_alive(rc.req.keep_alive());
  const bool send_body = !current && rc.req.method() != beast::http::verb::head;
  if (send_body) res.body() = {body.data(), body.size()};
  if (!current) res.content_length(body.size());  // HEAD: the length of the GET reply
  rc.report.status = current ? 304 : 200;
  const auto ec = co_await write_with_deadline(rc.client, res, write_timeout_);
  if (!ec && send_body) rc.report.bytes += body.size();
  co_return !ec && rc.req.keep_alive();
}

}  // namespace gateway::web
