#include "http/downstream.hpp"

#include "core/text.hpp"
#include "net/alarm_clock.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_suffix.hpp>
#include <boost/container/small_vector.hpp>

#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

namespace gateway {
namespace beast = boost::beast;

namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";            // no trailers
constexpr std::string_view crlf_last_chunk = "\r\n0\r\n\r\n";   // a chunk's end, then the last chunk
constexpr std::string_view keepalive_comment = ": keep-alive\n\n";
}  // namespace

// What a stream holds from its head to its end. On the heap, made once per stream: the frames of
// the coroutines that hold a downstream stay small.
struct downstream::stream_state {
  stream_state(asio::any_io_executor strand, settings s, std::function<void()> on_due)
      : limits(s), keepalive(std::move(strand), std::move(on_due)) {}
  const settings limits;
  std::string head;  // held back until the first write; empty once written (a head never is)
  bool chunked = true;
  // The keep-alive clock: set after every write, due after an interval without one.
  alarm_clock keepalive;
  std::function<void()> wake;  // null: no comments
  bool due = false;
  // The write in progress: the chunk framing around the caller's buffers (no copy), one writev.
  char chunk_size[sizeof(std::size_t) * 2 + 2];  // the chunk's size line, hex and CRLF
  boost::container::small_vector<asio::const_buffer, 6> framed;
  std::size_t written = 0, left = 0;
  std::size_t body = 0;  // the body's bytes of the write in progress
  std::uint64_t bytes = 0;

  beast::buffers_suffix<std::span<const asio::const_buffer>> remaining() const {
    beast::buffers_suffix<std::span<const asio::const_buffer>> rest{std::span<const asio::const_buffer>(framed)};
    rest.consume(written);
    return rest;
  }
};

downstream::downstream(beast::tcp_stream& client, const asio::any_io_executor& strand)
    : client_(client), strand_(strand) {}

// However the answer ends, on_gone never runs after what it refers to is gone.
downstream::~downstream() { stop_watching(); }

void downstream::watch(std::function<void()> on_gone) {
  stop_watching();
  watching_ = std::make_shared<bool>(false);
  watch_client(client_, watching_, strand_, std::move(on_gone));
}

void downstream::stop_watching() {
  if (watching_) gateway::stop_watching(client_, watching_);
}

void downstream::begin_stream(std::string head, bool chunked, const settings& s) {
  stream_ = std::make_unique<stream_state>(strand_, s, [this] {
    // Runs on the strand, never after stream_ is gone (the alarm is a member of it).
    stream_->due = true;
    if (stream_->wake) stream_->wake();
  });
  stream_->head = std::move(head);
  stream_->chunked = chunked;
}

bool downstream::head_pending() const { return stream_ && !stream_->head.empty(); }

bool downstream::chunked() const { return !stream_ || stream_->chunked; }

void downstream::keep_alive(std::function<void()> wake) {
  stream_->wake = std::move(wake);
  stream_->due = false;
  stream_->keepalive.set(clock_type::now() + stream_->limits.keepalive_interval);
}

void downstream::stop_keep_alive() {
  if (!stream_) return;
  stream_->wake = nullptr;
  stream_->due = false;
  stream_->keepalive.stop();
}

bool downstream::keepalive_due() const { return stream_ && stream_->due; }

void downstream::frame(std::span<const asio::const_buffer> bytes, bool last) {
  auto& s = *stream_;
  last = last && s.chunked;
  s.framed.clear();
  s.written = 0;
  if (!s.head.empty()) s.framed.push_back(asio::buffer(s.head));
  s.body = asio::buffer_size(bytes);
  if (s.body == 0) {  // no chunk (an empty one would end the body): the head and the end alone, if asked
    if (last) s.framed.push_back(asio::buffer(last_chunk));
  } else {
    if (s.chunked) {
      // The size in hex, written backwards from the end of chunk_size (no formatting library call
      // per event), then CRLF.
      char* end = s.chunk_size + sizeof s.chunk_size;
      end[-2] = '\r';
      end[-1] = '\n';
      char* p = write_hex_backwards(end - 2, s.body);
      s.framed.push_back(asio::buffer(p, static_cast<std::size_t>(end - p)));
    }
    s.framed.insert(s.framed.end(), bytes.begin(), bytes.end());
    if (s.chunked) s.framed.push_back(asio::buffer(last ? crlf_last_chunk : crlf));
  }
  s.left = asio::buffer_size(s.framed);
}

void downstream::wrote() {
  auto& s = *stream_;
  s.bytes += s.body;
  s.body = 0;
  s.framed.clear();
  if (!s.head.empty()) std::string().swap(s.head);  // a long stream does not hold it
  // Only the clock's time moves; its pending wait, if any, wakes early and waits again.
  s.due = false;
  if (s.wake) s.keepalive.set(clock_type::now() + s.limits.keepalive_interval);
}

bool downstream::try_write(std::span<const asio::const_buffer> bytes, boost::system::error_code& ec) {
  frame(bytes, false);
  return send_now(ec);
}

bool downstream::send_now(boost::system::error_code& ec) {
  ec = {};
  auto& s = *stream_;
  if (s.left == 0) return true;  // nothing to write: the clock stays where it is
  // A client that keeps up takes the whole event at once: no asynchronous operation, no timer, no
  // trip through the strand (the relay's hot path: benchmark 9).
  auto& socket = client_.socket();
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t n = 0;
  if (!ec) n = socket.write_some(s.remaining(), ec);  // Asio sends with MSG_NOSIGNAL: a gone client is an error
  if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
  if (ec) return true;
  s.written += n;
  s.left -= n;
  if (s.left > 0) return false;
  wrote();
  return true;
}

asio::awaitable<boost::system::error_code> downstream::write_rest() {
  auto& s = *stream_;
  if (s.left == 0) co_return boost::system::error_code{};
  client_.expires_after(s.limits.write_timeout);
  auto [ec, n] = co_await asio::async_write(client_, s.remaining(), tuple_awaitable);
  client_.expires_never();
  s.written += n;
  s.left -= n;
  if (!ec) wrote();
  co_return ec;
}

asio::awaitable<boost::system::error_code> downstream::write(std::span<const asio::const_buffer> bytes) {
  boost::system::error_code ec;
  if (try_write(bytes, ec)) co_return ec;
  co_return co_await write_rest();
}

asio::awaitable<boost::system::error_code> downstream::write(std::string_view bytes) {
  const asio::const_buffer buffer = asio::buffer(bytes);
  co_return co_await write(std::span<const asio::const_buffer>(&buffer, 1));
}

asio::awaitable<boost::system::error_code> downstream::write_keepalive() {
  co_return co_await write(keepalive_comment);
}

asio::awaitable<boost::system::error_code> downstream::end(std::string_view tail) {
  stop_keep_alive();
  const asio::const_buffer buffer = asio::buffer(tail);
  frame(std::span<const asio::const_buffer>(&buffer, 1), true);
  boost::system::error_code ec;
  if (send_now(ec)) co_return ec;
  co_return co_await write_rest();
}

std::uint64_t downstream::bytes() const { return stream_ ? stream_->bytes : 0; }

}  // namespace gateway
