#include "http/request_context.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "core/text.hpp"
#include "http/header_lookup.hpp"
#include "http/reply_head.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/beast/core/string.hpp>

#include <array>
#include <tuple>

namespace gateway {

bool has_json_body(const inbound_request& req) {
  const std::string_view media = header_value(req, beast::http::field::content_type);
  const auto type = trim_ows(media.substr(0, media.find(';')));
  // Nearly every client writes it in lower case: one compare, not a case fold per character.
  return type == "application/json" || boost::beast::iequals(type, "application/json");
}

asio::awaitable<bool> send_reply(request_context& rc, unsigned status, std::string body,
                                 std::chrono::milliseconds timeout, reply_headers headers) {
  co_return co_await send_reply_view(rc, status, body, timeout, headers);  // `body` lives in this frame
}

asio::awaitable<bool> send_reply_view(request_context& rc, unsigned status, std::string_view body,
                                      std::chrono::milliseconds timeout, reply_headers headers) {
  const bool keep = rc.req.keep_alive();
  const bool head_only = rc.req.method() == beast::http::verb::head;  // Content-Length stays that of GET
  fmt::memory_buffer head;
  append_reply_head(head, status, rc.req.version(), keep, body.size(),
                    reply_fields{headers.content_type, rc.id, headers.allow, headers.retry_after, headers.x_cache,
                                 headers.x_cache_match, headers.extra, headers.server_timing});
  rc.report.status = status;
  const std::array<asio::const_buffer, 2> buffers{asio::buffer(head.data(), head.size()),
                                                 asio::buffer(body.data(), head_only ? 0 : body.size())};
  const auto total = head.size() + buffers[1].size();
  // A client that keeps up takes the whole reply at once: no asynchronous operation and no timer
  // (a cache hit is this and nothing else). Only what it did not take waits, under `timeout`.
  auto& socket = rc.client.socket();
  boost::system::error_code ec;
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t written = 0;
  if (!ec) written = socket.write_some(buffers, ec);  // Asio sends with MSG_NOSIGNAL: a gone client is an error
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (!ec && written < total) {
    boost::beast::buffers_suffix<std::array<asio::const_buffer, 2>> rest(buffers);
    rest.consume(written);
    rc.client.expires_after(timeout);
    std::tie(ec, std::ignore) = co_await asio::async_write(rc.client, rest, asio::as_tuple(asio::use_awaitable));
    rc.client.expires_never();
  }
  if (!ec) rc.report.bytes += buffers[1].size();
  co_return !ec && keep;
}

}  // namespace gateway
