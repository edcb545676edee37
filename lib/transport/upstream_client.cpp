#include "transport/upstream_client.hpp"
#include "transport/request_head.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>

#include <unistd.h>

#include <optional>
#include <tuple>
#include <variant>

namespace gateway {
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::as_tuple;
using asio::use_awaitable;

namespace {

constexpr auto tuple_awaitable = as_tuple(use_awaitable);

// An I/O failure on an established connection, unless a deadline (or the client) caused it.
std::error_code classify_io(const boost::system::error_code& ec, const watchdog& wd) {
  if (auto cause = wd.fired()) return *cause;
  if (ec.category() == make_error_code(beast::http::error::bad_version).category() && ec != beast::http::error::end_of_stream &&
      ec != beast::http::error::partial_message)
    return error::upstream_protocol_error;
  return error::upstream_closed;  // EOF, reset, TLS truncation: the peer went away
}

// How the body after this head is framed (RFC 9112, 6.3); Beast's parser has read the head.
template <class Parser>
body_decoder body_framing(const Parser& p) {
  if (p.is_done()) return body_decoder::none();  // 1xx, 204, 304, Content-Length: 0
  if (p.chunked()) return body_decoder::chunked();
  if (const auto n = p.content_length()) return body_decoder::length(*n);
  return body_decoder::until_close();
}

// Registers a connected socket with the reactor afresh, for reads only. Asio's epoll reactor keeps
// EPOLLOUT once a write has had to wait (a connect always has) and re-arms the descriptor on every
// async_wait (EPOLL_CTL_MOD), which then reports the ever-writable socket at once: one spurious
// wake-up per streamed event, found with strace -c. Registered afresh, the descriptor has EPOLLOUT
// again only when a write really waits.
boost::system::error_code register_for_reads(tcp::socket& socket, const tcp& protocol) {
  boost::system::error_code ec;
  const auto fd = socket.release(ec);
  if (ec) return {};  // not possible here: the socket stays registered as it was
  socket.assign(protocol, fd, ec);
  if (ec) ::close(fd);
  return ec;
}

// True for failures that mean "this reused connection was already dead", where sending the
// request again on a fresh connection is safe because the upstream has not seen it.
bool stale_connection_error(const boost::system::error_code& ec) {
  return ec == beast::http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::ssl::error::stream_truncated;
}

// One read or write on the connection that never waits (see lean_tls_stream::try_read): the bytes
// moved, or what to wait for. A plain socket is put in non-blocking mode for it. A TLS write takes
// the buffer whole or not at all; a plain socket's may take part of it.
struct io_try {
  std::size_t bytes = 0;
  std::optional<tcp::socket::wait_type> wait;  // not possible yet: wait for this, then try again
};
template <bool Read, class Buffer>
io_try try_io(upstream_connection& c, Buffer b, boost::system::error_code& ec) {
  return std::visit([&](auto& s) {
    io_try r;
    auto wait = Read ? tcp::socket::wait_read : tcp::socket::wait_write;
    if constexpr (std::is_same_v<std::decay_t<decltype(s)>, tcp::socket>) {
      if (!s.non_blocking()) s.non_blocking(true, ec);
      if constexpr (Read) {
        if (!ec) r.bytes = s.read_some(b, ec);
        c.plain_drained = r.bytes < b.size();
      } else {
        if (!ec) r.bytes = s.write_some(b, ec);  // Asio sends with MSG_NOSIGNAL
      }
      if (ec == asio::error::would_block || ec == asio::error::try_again) {
        ec = {};
        r.wait = wait;
      }
    } else {
      if constexpr (Read) r.bytes = s.try_read(b, wait, ec);
      else r.bytes = s.try_write(b, wait, ec);
      if (r.bytes == 0 && !ec) r.wait = wait;
    }
    return r;
  }, c.stream);
}

// One read into the connection's buffer that never waits (the step read_head and try_read
// share): the bytes read are committed; or what to wait for; or the error (eof included).
io_try try_fill_buffer(upstream_connection& c, boost::system::error_code& ec) {
  if (c.buffer.capacity() < upstream_connection::read_reserve)  // given back before a long wait
    c.buffer.reserve(upstream_connection::read_reserve);
  const auto r = try_io<true>(c, c.buffer.prepare(beast::read_size(c.buffer, 65536)), ec);
  if (!ec && !r.wait) c.buffer.commit(r.bytes);
  return r;
}

// Sends the whole request, each write tried before any wait: a request fits the socket's buffer,
// so this is one SSL_write (or send) and no asynchronous operation (Beast's async_write took a
// composed operation, a posted completion and its serializer's buffer views).
asio::awaitable<boost::system::error_code> send_all(upstream_connection& c, std::string_view bytes) {
  boost::system::error_code ec;
  while (!bytes.empty()) {
    const auto w = try_io<false>(c, asio::buffer(bytes), ec);
    if (ec) co_return ec;
    bytes.remove_prefix(w.bytes);
    if (w.wait) {
      std::tie(ec) = co_await c.socket().async_wait(*w.wait, tuple_awaitable);
      if (ec) co_return ec;
    }
  }
  co_return ec;
}

// Reads the response head into `p`: what is buffered first, then reads tried before any wait. The
// errors are those of Beast's async_read_header: end_of_stream when the connection ends before
// a byte of the head, partial_message within it, the parser's own for a bad or over-long head.
asio::awaitable<boost::system::error_code> read_head(upstream_connection& c,
                                                     response_head_parser& p) {
  boost::system::error_code ec;
  for (;;) {
    if (c.buffer.size() > 0) {
      c.buffer.consume(p.put(c.buffer.data(), ec));
      if (p.is_header_done()) co_return boost::system::error_code{};
      if (ec != beast::http::error::need_more) co_return ec;
      ec = {};
    }
    // Right after the request is sent the answer is not there yet: a read would fail with EAGAIN.
    const auto r = c.drained() ? io_try{0, tcp::socket::wait_read} : try_fill_buffer(c, ec);
    if (ec == asio::error::eof) co_return p.got_some() ? beast::http::error::partial_message : beast::http::error::end_of_stream;
    if (ec) co_return ec;
    if (r.wait) {
      std::tie(ec) = co_await c.socket().async_wait(*r.wait, tuple_awaitable);
      if (ec) co_return ec;
      c.readable();
    }
  }
}

}  // namespace

upstream_client::upstream_client(asio::any_io_executor io, upstream_settings settings,
                                 asio::ssl::context* tls, upstream_pool& pool, logger log)
    : io_(std::move(io)),
      settings_(std::move(settings)),
      host_header_(settings_.url.host_header()),
      tls_(tls),
      sessions_(settings_.url.host + ':' + settings_.url.port),
      pool_(pool),
      log_(std::move(log)) {}

asio::awaitable<std::unique_ptr<upstream_connection>> upstream_client::connect(watchdog& wd,
                                                                             request_deadlines d,
                                                                             std::error_code& ec,
                                                                             connection_events* events) {
  const auto executor = co_await asio::this_coro::executor;
  const deadline limit = earliest({clock_type::now() + settings_.connect_timeout, error::upstream_connect_timeout},
                                  {d.request, error::request_timeout});
  const auto& url = settings_.url;

  // Resolution is asynchronous (Asio runs getaddrinfo on its own thread): never on an io thread.
  tcp::resolver resolver(executor);
  if (!wd.arm(limit.when, limit.cause, [&resolver] { resolver.cancel(); })) {
    ec = *wd.fired();
    co_return nullptr;
  }
  auto [rec, endpoints] = co_await resolver.async_resolve(url.host, url.port, tuple_awaitable);
  if (rec) {
    ec = wd.fired() ? std::error_code(*wd.fired()) : std::error_code(error::upstream_connect_failed);
    log_.warn("upstream: cannot resolve {}: {}", url.host, rec.message());
    co_return nullptr;
  }

  // The socket belongs to no strand: the pool hands it to requests on other strands later, and
  // completion handlers always run on the strand of the request that awaits them.
  const auto& io = io_;
  std::unique_ptr<upstream_connection> conn;
  if (tls_) conn = std::make_unique<upstream_connection>(pool_.next_id(), std::in_place_index<1>, tcp::socket(io), *tls_);
  else conn = std::make_unique<upstream_connection>(pool_.next_id(), std::in_place_index<0>, io);

  wd.arm(limit.when, limit.cause, [c = conn.get()] { c->close(); });
  auto [cec, endpoint] = co_await asio::async_connect(conn->socket(), endpoints, tuple_awaitable);
  if (!cec) cec = register_for_reads(conn->socket(), endpoint.protocol());
  if (cec) {
    ec = wd.fired() ? std::error_code(*wd.fired()) : std::error_code(error::upstream_connect_failed);
    log_.warn("upstream: cannot connect to {}:{}: {}", url.host, url.port, cec.message());
    co_return nullptr;
  }
  boost::system::error_code ignored;
  conn->socket().set_option(tcp::no_delay(true), ignored);  // small SSE chunks must not wait
  if (events) events->connected = std::chrono::system_clock::now();

  if (auto* tls = std::get_if<upstream_connection::tls_stream>(&conn->stream)) {
    // SNI for names only (RFC 6066 forbids IP literals), and the certificate must match the host.
    tls->set_host(url.host, url.host_is_ip());
    sessions_.use(tls->native_handle(), url.host + ':' + url.port);
    auto [hec] = co_await tls->async_handshake(tuple_awaitable);
    if (hec) {
      ec = wd.fired() ? std::error_code(*wd.fired()) : std::error_code(error::upstream_tls_failed);
      const long verify = SSL_get_verify_result(tls->native_handle());
      log_.warn("upstream: TLS handshake with {} failed: {}{}", url.host, hec.message(),
                verify != X509_V_OK ? std::string(" (") + X509_verify_cert_error_string(verify) + ")" : "");
      co_return nullptr;
    }
    const bool resumed = SSL_session_reused(tls->native_handle()) != 0;
    if (resumed) pool_.resumed();
    if (events) {
      events->handshaken = std::chrono::system_clock::now();
      events->resumed = resumed;
    }
  }
  wd.disarm();
  log_.debug("upstream: connection #{} to {}:{} open", conn->id, url.host, url.port);
  co_return conn;
}

asio::awaitable<std::unique_ptr<upstream_exchange>> upstream_client::start(std::string_view target,
                                                                         std::string_view body, watchdog& wd,
                                                                         request_deadlines d,
                                                                         std::error_code& ec,
                                                                         beast::http::verb method,
                                                                         std::string_view request_id,
                                                                         std::string_view authorization,
                                                                         std::string_view trace_fields,
                                                                         connection_events* events) {
  const auto request =
      upstream_request_bytes({method, target, host_header_, request_id, authorization, trace_fields}, body);

  const auto first_byte = earliest({clock_type::now() + settings_.first_byte_timeout, error::upstream_first_byte_timeout},
                                   {d.request, error::request_timeout});
  for (int attempt = 0;; ++attempt) {
    auto conn = attempt == 0 ? pool_.take() : nullptr;
    const bool reused = conn != nullptr;
    if (events) events->reused = reused;
    if (!conn) {
      conn = co_await connect(wd, d, ec, events);
      if (!conn) co_return nullptr;
    }
    conn->buffer.clear();
    auto ex = std::make_unique<upstream_exchange>(*this, std::move(conn), wd, d);
    auto& c = *ex->conn_;
    if (!wd.arm(first_byte.when, first_byte.cause, [&c] { c.close(); })) {
      ec = *wd.fired();
      co_return nullptr;
    }
    auto wec = co_await send_all(c, request);
    boost::system::error_code rec;
    if (!wec) rec = co_await read_head(c, ex->parser_);
    const auto failure = wec ? wec : rec;
    if (!failure) {
      wd.disarm();
      ex->body_ = body_framing(ex->parser_);
      co_return ex;
    }
    if (reused && !wd.fired() && !ex->parser_.got_some() && stale_connection_error(failure)) {
      log_.debug("upstream: pooled connection #{} was stale ({}); reconnecting", c.id, failure.message());
      if (events) ++events->stale;
      continue;  // the exchange closes the dead connection
    }
    ec = classify_io(failure, wd);
    log_.warn("upstream: request on connection #{} failed: {}", c.id, wd.fired() ? ec.message() : failure.message());
    co_return nullptr;
  }
}

upstream_exchange::upstream_exchange(upstream_client& client, std::unique_ptr<upstream_connection> conn,
                                     watchdog& wd, request_deadlines deadlines)
    : client_(client), conn_(std::move(conn)), wd_(wd), deadlines_(deadlines) {
  client_.pool_.leased();
}

upstream_exchange::~upstream_exchange() {
  client_.pool_.released();
  if (!conn_) return;
  // Only a connection whose response was read to the end and that is neither closing nor carrying
  // surplus bytes is reusable; anything else is closed, which also stops an abandoned stream. A
  // head that was not read whole (a stale connection, a first-byte timeout) leaves the body
  // decoder in its initial "done" state: the head is asked first.
  if (parser_.is_header_done() && body_.done() && parser_.keep_alive() && conn_->buffer.size() == handed_ &&
      !wd_.fired()) {
    ++conn_->requests;
    client_.pool_.give_back(std::move(conn_));
  } else {
    conn_->close();
  }
}

std::string upstream_exchange::header(std::string_view name) const {
  return std::string(parser_.header(name));
}

namespace {

// Events further apart than this mark a slow stream (see read_some): Groq streams tokens
// milliseconds apart; a stream paced at seconds spends nearly all of its life waiting.
constexpr auto slow_stream_gap = std::chrono::milliseconds(100);

}  // namespace

// Decode what is buffered; read; decode - with the read tried before any wait: while an event is
// there (a stream's common case: one event per upstream read) it costs one SSL_read and no
// asynchronous operation (Beast's async_read_some took a composed operation, a completion posted
// through the strand and a second SSL_read per event; benchmark 9). The piece handed out is a view
// into the connection's buffer, dropped from it on the next call.
std::optional<std::string_view> upstream_exchange::try_read(std::error_code& ec) {
  ec = {};
  wait_.reset();
  // No timer guards a read that does not wait: the deadlines are looked at here.
  if (const auto fired = wd_.fired()) {
    ec = *fired;
    return std::string_view{};
  }
  if (clock_type::now() >= deadlines_.request) {
    ec = error::request_timeout;
    return std::string_view{};
  }
  auto& c = *conn_;
  c.buffer.consume(std::exchange(handed_, 0));  // the piece handed out last has been used
  while (!body_.done()) {
    if (c.buffer.size() > 0) {
      const auto in = static_cast<const char*>(c.buffer.data().data());
      const auto piece = body_.feed(std::string_view(in, c.buffer.size()), ec);
      if (ec) return std::string_view{};
      if (!piece.data.empty()) {
        handed_ = piece.used;
        return piece.data;
      }
      c.buffer.consume(piece.used);  // framing only, or what is complete of it
      if (body_.done()) break;
    }

    if (c.drained()) {  // a read would fail with EAGAIN: one system call per event saved
      wait_ = tcp::socket::wait_read;
      return std::nullopt;
    }
    boost::system::error_code rec;
    const auto r = try_fill_buffer(c, rec);
    if (rec == asio::error::eof) {
      // A body delimited by the end of the connection ends here; any other is cut short.
      if (!body_.finish_at_eof()) {
        ec = classify_io(rec, wd_);
        return std::string_view{};
      }
      break;
    }
    if (rec) {
      ec = classify_io(rec, wd_);
      return std::string_view{};
    }
    if (r.wait) {
      wait_ = r.wait;
      return std::nullopt;
    }
  }
  return std::string_view{};
}

asio::awaitable<void> upstream_exchange::wait_readable(std::error_code& ec) {
  ec = {};
  if (!wait_) co_return;  // try_read() has not found it must wait: it is to be tried (again)
  auto& c = *conn_;
  const auto now = clock_type::now();
  // A stream whose events come slowly gives its read buffers back before each wait (~19 KiB with
  // a TLS upstream: benchmark 4); a fast one keeps them, as allocating them again for every event
  // would cost more than the wait. The gap since the last wait tells which it is.
  if (now - last_wait_ > slow_stream_gap) c.release_buffers();
  last_wait_ = now;
  // STREAM_IDLE_TIMEOUT counts the upstream's silence, which a wait that a keep-alive comment
  // interrupted did not end: only a wait that ended with bytes starts it anew.
  if (!silence_goes_on_) silent_since_ = now;
  silence_goes_on_ = false;
  const auto idle = earliest({silent_since_ + client_.settings_.idle_timeout, error::upstream_idle_timeout},
                             {deadlines_.request, error::request_timeout});
  if (!wd_.arm(idle.when, idle.cause, [&c] { c.close(); })) {
    ec = *wd_.fired();
    co_return;
  }
  waiting_ = true;
  auto [wec] = co_await c.socket().async_wait(*wait_, tuple_awaitable);
  waiting_ = false;
  wd_.disarm();
  if (std::exchange(interrupted_, false) && !wd_.fired()) {
    silence_goes_on_ = true;
    co_return;  // still to wait for: wait_ is kept
  }
  wait_.reset();
  if (wec) {
    ec = classify_io(wec, wd_);
    co_return;
  }
  c.readable();
}

void upstream_exchange::interrupt() {
  if (!waiting_ || interrupted_) return;
  // Cancelling a readiness wait consumes nothing: the connection stays usable.
  interrupted_ = true;
  boost::system::error_code ignored;
  conn_->socket().cancel(ignored);
}

}  // namespace gateway
