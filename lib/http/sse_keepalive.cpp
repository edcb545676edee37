#include "http/sse_keepalive.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/chunk_encode.hpp>

#include <optional>

namespace gateway {
namespace beast = boost::beast;

namespace {
constexpr std::string_view comment = ": keep-alive\n\n";
}

// Shared with the timer and write handlers, which may run after the request's coroutine moved on.
struct sse_keepalive::state {
  state(beast::tcp_stream& c, asio::any_io_executor s, bool ch, std::chrono::milliseconds i,
        std::chrono::milliseconds w)
      : client(c), strand(s), chunked(ch), interval(i), write_timeout(w), timer(s), idle_wait(s) {}
  beast::tcp_stream& client;
  asio::any_io_executor strand;
  const bool chunked;
  const std::chrono::milliseconds interval, write_timeout;
  asio::steady_timer timer;       // the one clock: silence, or the coroutine's write deadline
  asio::steady_timer idle_wait;   // the coroutine waits on it while a comment is in flight
  bool started = false;
  bool writing = false;            // a comment write is in flight
  bool coroutine_writing = false;  // the coroutine's own write is in flight
  bool write_timed_out = false;
  bool stopped = false;
  clock_type::time_point last_write{}, write_started{};
  bool waiting = false;  // a timer wait is pending until `wait_until`
  clock_type::time_point wait_until{};
  std::uint64_t wait_id = 0;  // the pending wait; handlers of replaced waits do nothing
  std::uint64_t sent = 0;

  // When the timer must act next: the coroutine's write deadline, the end of the silence, or never
  // (stopped, not started, or a comment in flight - its write has a timeout of its own).
  std::optional<clock_type::time_point> due() const {
    if (coroutine_writing && !write_timed_out) return write_started + write_timeout;  // always guarded
    if (stopped || !started || writing) return std::nullopt;
    return last_write + interval;
  }
};

sse_keepalive::sse_keepalive(beast::tcp_stream& client, asio::any_io_executor strand, bool chunked,
                             std::chrono::milliseconds interval, std::chrono::milliseconds write_timeout)
    : state_(std::make_shared<state>(client, std::move(strand), chunked, interval, write_timeout)) {}

sse_keepalive::~sse_keepalive() {
  state_->stopped = true;
  state_->timer.cancel();
}

void sse_keepalive::start() {
  state_->started = true;
  state_->last_write = clock_type::now();
  ensure_waiting(state_);
}

void sse_keepalive::ensure_waiting(const std::shared_ptr<state>& st) {
  const auto due = st->due();
  if (!due) return;
  if (st->waiting && st->wait_until <= *due) return;  // wakes in time, then looks again
  const auto id = ++st->wait_id;
  st->timer.expires_at(*due);  // replaces a later pending wait (its handler sees an old id)
  st->waiting = true;
  st->wait_until = *due;
  st->timer.async_wait(asio::bind_executor(st->strand, [st, id](boost::system::error_code ec) {
    if (id != st->wait_id) return;
    st->waiting = false;
    if (!ec) on_timer(st);
  }));
}

void sse_keepalive::on_timer(const std::shared_ptr<state>& st) {
  const auto due = st->due();
  if (!due) return;
  if (clock_type::now() < *due) {
    ensure_waiting(st);  // a write moved the clock on since this wait began
    return;
  }
  if (st->coroutine_writing) {
    // The client stopped reading: cut it; the pending write fails and after_write() says why.
    st->write_timed_out = true;
    st->stopped = true;
    boost::system::error_code ignored;
    st->client.socket().close(ignored);
    return;
  }
  fire(st);
}

void sse_keepalive::fire(const std::shared_ptr<state>& st) {
  st->writing = true;
  st->client.expires_after(st->write_timeout);
  auto done = asio::bind_executor(st->strand, [st](boost::system::error_code ec, std::size_t) {
    st->client.expires_never();
    st->writing = false;
    st->idle_wait.cancel();  // wakes the coroutine if it waits in before_write() or finish()
    if (ec) {
      st->stopped = true;  // gone or stuck: the coroutine's next write finds out and ends the stream
      return;
    }
    ++st->sent;
    st->last_write = clock_type::now();
    ensure_waiting(st);
  });
  if (st->chunked)
    asio::async_write(st->client, beast::http::make_chunk(asio::buffer(comment)), std::move(done));
  else
    asio::async_write(st->client, asio::buffer(comment), std::move(done));
}

bool sse_keepalive::idle() const { return !state_->writing; }

void sse_keepalive::wrote() {
  // Only the silence clock moves; the pending wait, if any, wakes early and waits again.
  state_->last_write = clock_type::now();
  ensure_waiting(state_);
}

asio::awaitable<void> sse_keepalive::before_write() {
  auto st = state_;
  while (st->writing) {
    st->idle_wait.expires_after(std::chrono::hours(1));  // cancelled by the write's completion
    co_await st->idle_wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  st->coroutine_writing = true;
  st->write_started = clock_type::now();
  ensure_waiting(st);
}

bool sse_keepalive::after_write() {
  auto& st = *state_;
  st.coroutine_writing = false;
  st.last_write = clock_type::now();
  if (st.write_timed_out) return false;
  ensure_waiting(state_);
  return true;
}

asio::awaitable<void> sse_keepalive::finish() {
  state_->stopped = true;
  state_->timer.cancel();
  while (state_->writing) {
    state_->idle_wait.expires_after(std::chrono::hours(1));
    co_await state_->idle_wait.async_wait(asio::as_tuple(asio::use_awaitable));
  }
}

std::uint64_t sse_keepalive::sent() const { return state_->sent; }

}  // namespace gateway
