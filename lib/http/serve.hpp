// The inbound HTTP/1.1 connection loop shared by the gateway and groq-sim: read a request under the
// keep-alive and header deadlines with Beast's parser limits, refuse framing it cannot read safely
// (size limits, malformed requests, transfer codings other than a final `chunked`), hand every
// well-formed request to `handle` and keep the connection while both sides want it.
// Requests are answered strictly in order, so pipelined requests are safe. A refusal is the
// connection's last answer: nothing more is read from it, so bytes after a request whose framing
// was not trusted are never taken for a next request.
// The connection's read buffer has a maximum (read_buffer_limit): Beast's parser bounds the header
// but not a chunk line's extensions nor the trailer, which must be whole in the buffer to be parsed.
// With a connection_budget in the limits, a body's buffer is charged to the process's in-flight
// body budget as it grows with bytes that arrived (request_reader), and keeps its charge until the
// request's answer is written; a body whose next bytes do not fit is refused with 503 and
// Retry-After (the connection's last answer, like every refusal here). A header's promise costs
// nothing: a client must send the bytes it holds, within the body deadline. Refusals are logged at
// most limits.refusal_log's rate.
#pragma once

#include "core/clock.hpp"
#include "core/log_budget.hpp"
#include "core/logger.hpp"
#include "http/connection_budget.hpp"
#include "http/framing.hpp"
#include "http/header_lookup.hpp"
#include "http/request_context.hpp"
#include "http/request_reader.hpp"
#include "http/responses.hpp"
#include "net/watchdog.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <algorithm>
#include <array>
#include <functional>
#include <string_view>
#include <tuple>

namespace gateway {

/// "Cache-Control: no-cache" (or no-store) from the client asks for a fresh answer: the response
/// cache is not read and no in-flight answer is shared (every endpoint that caches follows it).
inline bool asks_fresh_answer(const inbound_request& req) {
  const auto value = header_value(req, beast::http::field::cache_control);
  return value.find("no-cache") != std::string_view::npos || value.find("no-store") != std::string_view::npos;
}

/// The target of the request line at the start of `bytes` ("" when there is none yet): which route
/// a request we could not parse was meant for, so that its error comes in that route's shape.
std::string_view request_line_target(std::string_view bytes);

/// The body of a framing error (`status`, stable `code`, `message`) for a request meant for `target`
/// ("" when unknown). The gateway answers in the error shape of the route; the default is
/// {"error": {"code", "message"}}.
using framing_error_body =
    std::function<std::string(unsigned status, std::string_view code, std::string_view message, std::string_view target)>;
std::string plain_error_body(std::string_view code, std::string_view message);

/// Feeds `parser` what `buffer` holds, without reading: up to the end of the header when the header
/// is not done yet (so that its framing is checked before any body byte is parsed), else as much of
/// the body as is there. `need_more` is no error: the caller reads on.
template <class Parser>
void put_buffered(Parser& parser, boost::beast::flat_buffer& buffer, boost::system::error_code& ec) {
  const bool header_done = parser.is_header_done();
  while (buffer.size() > 0 && !parser.is_done()) {
    const auto n = parser.put(buffer.data(), ec);
    buffer.consume(n);
    if (ec == beast::http::error::need_more) ec = {};
    if (ec || n == 0 || (!header_done && parser.is_header_done())) return;
  }
}

/// The "rejected request" line of a refusal, within limits.refusal_log's rate; the lines left out
/// are counted into the next one written.
inline void log_refusal(const logger& log, const serve_limits& limits, const framing_refusal& refusal) {
  if (!log.enabled(log_level::info)) return;
  std::uint64_t left_out = 0;
  if (limits.refusal_log && !limits.refusal_log->admit(clock_type::now(), left_out)) return;
  if (left_out)
    log.info("http: rejected request: {} ({} more since the last such line)", refusal.message, left_out);
  else
    log.info("http: rejected request: {}", refusal.message);
}

/// Runs the loop until the peer closes, a deadline passes, or `handle` returns false.
/// `handle(stream, request)` must write exactly one response and return whether to keep going.
/// `stopping()` is polled between requests so a shutdown ends keep-alive connections; `idle` is
/// true exactly while the loop waits for a next request, so a shutdown may cancel that wait.
/// `buffer` is the connection's read buffer (the caller's, so that a handler that will wait long
/// may give its memory back while it holds nothing).
template <class Stream, class Handler, class Stopping>
asio::awaitable<void> serve_http(Stream& stream, boost::beast::flat_buffer& buffer, const serve_limits& limits,
                                 const logger& log, Handler&& handle, Stopping&& stopping, bool& idle,
                                 const framing_error_body& render_error = {}) {
  namespace beast = boost::beast;
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  auto& socket_layer = beast::get_lowest_layer(stream);
  // The keep-alive deadline, kept by a watchdog rather than the stream's own timer: arming the
  // stream's timer for every request's first read, and cancelling it, registered a timer with the
  // reactor per request (a cost every cache hit paid: benchmark 9); the watchdog stores the
  // deadline and keeps one lazy timer wait per connection, and the read runs with the stream's
  // timer off. The watchdog's cause is never reported: the connection just ends.
  watchdog keepalive(stream.get_executor());
  // One request object for the connection: each request reuses its small buffers.
  inbound_request request;
  // Past this a read fails with buffer_overflow instead of growing the buffer: an endless chunk
  // extension or trailer costs this much, not what the client cares to send.
  buffer.max_size(read_buffer_limit(limits));
  // The body's place in limits.budget, charged as its buffer grows and held until its request's
  // answer is written.
  connection_budget::body_hold body_held;

  while (!stopping()) {
    // Idle: wait for the first byte under the keep-alive deadline (bytes may already be buffered
    // when the client pipelines).
    if (buffer.size() == 0) {
      // Never fired here: an expiry ends the loop below.
      keepalive.arm(clock_type::now() + limits.keepalive_timeout, error::request_timeout,
                    [&socket_layer] { socket_layer.socket().cancel(); });
      socket_layer.expires_never();  // a deadline the handler set for its writes ends here
      idle = true;
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), tuple_awaitable);
      idle = false;
      keepalive.disarm();
      if (ec || keepalive.fired()) break;  // closed, reset, idle too long or shut down: nothing to answer
      buffer.commit(n);
    }
    // The route the request is meant for, kept before the parser consumes the buffer (on an error
    // it may have consumed part of the header): a refused request is answered in that route's
    // error shape. A prefix is enough to tell routes apart; no allocation per request.
    std::array<char, 96> meant{};
    const auto target = request_line_target(std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size()));
    const auto meant_size = std::min(target.size(), meant.size());
    std::copy_n(target.data(), meant_size, meant.data());

    request_reader parser(request);
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    if (limits.budget) parser.charge_body_to(*limits.budget, body_held);
    // A request that arrived whole (the common case) is parsed from the buffer: no asynchronous
    // read, no timer. Only what is missing is read, under its deadline.
    boost::system::error_code ec;
    put_buffered(parser, buffer, ec);
    if (!ec && !parser.is_header_done()) {
      socket_layer.expires_after(limits.header_timeout);
      std::tie(ec, std::ignore) = co_await beast::http::async_read_header(stream, buffer, parser, tuple_awaitable);
    }
    framing_refusal refusal;
    if (!ec) {
      // One framing truth: what the parser frames is what was checked (refused before any body
      // byte is read, never framed by Content-Length).
      if (const auto problem = transfer_coding_problem(request, parser.chunked(), refusal.message)) {
        refusal.status = problem;
        refusal.code = problem == 501 ? "not_implemented" : "invalid_request";
      }
    }
    if (!ec && !refusal.status && !parser.is_done()) put_buffered(parser, buffer, ec);
    if (!ec && !refusal.status && !parser.is_done()) {
      // curl and others wait for "100 Continue" before sending a larger body.
      if (auto expect = request[beast::http::field::expect]; beast::iequals(expect, "100-continue")) {
        beast::http::response<beast::http::empty_body> cont{beast::http::status::continue_, request.version()};
        co_await write_with_deadline(stream, cont, limits.write_timeout);
      }
      socket_layer.expires_after(limits.body_timeout);
      std::tie(ec, std::ignore) = co_await beast::http::async_read(stream, buffer, parser, tuple_awaitable);
    }
    socket_layer.expires_never();

    if (ec) refusal = read_refusal(ec, parser.is_header_done(), limits);
    if (refusal.status) {
      log_refusal(log, limits, refusal);
      const std::string_view route(meant.data(), meant_size);
      auto body = render_error ? render_error(refusal.status, refusal.code, refusal.message, route)
                               : plain_error_body(refusal.code, refusal.message);
      auto res = make_json_response(refusal.status, std::move(body), false);
      if (refusal.status == 503) res.set(beast::http::field::retry_after, "1");  // load: soon is fine
      co_await write_with_deadline(stream, res, limits.write_timeout);
      break;  // the framing is not trusted or the body was left unread: the connection ends here
    }
    if (ec) break;  // timeouts and disconnects end the connection silently

    if (stopping()) request.keep_alive(false);  // shutting down: this answer says Connection: close
    const bool keep_alive = co_await handle(stream, request) && request.keep_alive();
    request.clear();  // the body is not held while the connection waits for its next request
    body_held.release();
    if (!keep_alive) break;
  }
}

}  // namespace gateway
