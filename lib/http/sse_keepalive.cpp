#include "http/sse_keepalive.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

namespace gateway {
namespace beast = boost::beast;

namespace {
constexpr std::string_view comment = ": keep-alive\n\n";
}

// Shared with the timer and write handlers, which may run after the request's coroutine moved on.
struct sse_keepalive::state {
  state(beast::tcp_stream& c, net::any_io_executor s, bool ch, std::chrono::milliseconds i,
        std::chrono::milliseconds w)
      : client(c), strand(s), chunked(ch), interval(i), write_timeout(w), timer(s), idle_wait(s) {}
  beast::tcp_stream& client;
  net::any_io_executor strand;
  const bool chunked;
  const std::chrono::milliseconds interval, write_timeout;
  net::steady_timer timer;       // the silence clock
  net::steady_timer idle_wait;   // the coroutine waits on it while a comment is in flight
  std::uint64_t generation = 0;  // bumped by every re-arm, so a stale expiry does nothing
  bool writing = false;
  bool stopped = false;
  std::uint64_t sent = 0;
};

sse_keepalive::sse_keepalive(beast::tcp_stream& client, net::any_io_executor strand, bool chunked,
                             std::chrono::milliseconds interval, std::chrono::milliseconds write_timeout)
    : state_(std::make_shared<state>(client, std::move(strand), chunked, interval, write_timeout)) {}

sse_keepalive::~sse_keepalive() {
  state_->stopped = true;
  state_->timer.cancel();
}

void sse_keepalive::start() { arm(state_); }

void sse_keepalive::arm(const std::shared_ptr<state>& st) {
  if (st->stopped) return;
  const auto generation = ++st->generation;
  st->timer.expires_after(st->interval);
  st->timer.async_wait(net::bind_executor(st->strand, [st, generation](boost::system::error_code ec) {
    if (ec || st->stopped || st->writing || generation != st->generation) return;
    fire(st);
  }));
}

void sse_keepalive::fire(const std::shared_ptr<state>& st) {
  st->writing = true;
  st->client.expires_after(st->write_timeout);
  auto done = net::bind_executor(st->strand, [st](boost::system::error_code ec, std::size_t) {
    st->client.expires_never();
    st->writing = false;
    st->idle_wait.cancel();  // wakes the coroutine if it waits in before_write() or finish()
    if (ec) {
      st->stopped = true;  // gone or stuck: the coroutine's next write finds out and ends the stream
      return;
    }
    ++st->sent;
    arm(st);
  });
  if (st->chunked)
    net::async_write(st->client, beast::http::make_chunk(net::buffer(comment)), std::move(done));
  else
    net::async_write(st->client, net::buffer(comment), std::move(done));
}

net::awaitable<void> sse_keepalive::before_write() {
  auto st = state_;
  ++st->generation;  // the silence clock restarts after our write; no new comment meanwhile
  st->timer.cancel();
  while (st->writing) {
    st->idle_wait.expires_after(std::chrono::hours(1));  // cancelled by the write's completion
    co_await st->idle_wait.async_wait(net::as_tuple(net::use_awaitable));
  }
}

void sse_keepalive::after_write() { arm(state_); }

net::awaitable<void> sse_keepalive::finish() {
  state_->stopped = true;
  co_await before_write();
}

std::uint64_t sse_keepalive::sent() const { return state_->sent; }

}  // namespace gateway
