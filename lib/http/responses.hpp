// Small helpers for writing HTTP responses with a deadline, shared by the gateway and groq-sim.
// Templates over the stream type (plain TCP or TLS); include only where responses are written.
#pragma once

#include "net/asio_fwd.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include <string>
#include <string_view>

namespace gateway {
namespace beast = boost::beast;

inline beast::http::response<beast::http::string_body> make_response(unsigned status, std::string body,
                                                                     std::string_view content_type, bool keep_alive,
                                                                     unsigned version = 11) {
  beast::http::response<beast::http::string_body> res{static_cast<beast::http::status>(status), version};
  res.set(beast::http::field::server, "chat-gateway");
  res.set(beast::http::field::content_type, content_type);
  res.body() = std::move(body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

inline beast::http::response<beast::http::string_body> make_json_response(unsigned status, std::string body,
                                                                          bool keep_alive, unsigned version = 11) {
  return make_response(status, std::move(body), "application/json; charset=utf-8", keep_alive, version);
}

/// Writes `msg` under `timeout`; returns the error, if any.
template <class Stream, class Message>
asio::awaitable<boost::system::error_code> write_with_deadline(Stream& stream, Message& msg,
                                                               std::chrono::milliseconds timeout) {
  boost::beast::get_lowest_layer(stream).expires_after(timeout);
  auto [ec, n] = co_await beast::http::async_write(stream, msg, asio::as_tuple(asio::use_awaitable));
  boost::beast::get_lowest_layer(stream).expires_never();
  co_return ec;
}

}  // namespace gateway
