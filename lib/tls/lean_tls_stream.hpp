// A TLS client stream for Asio/Beast that keeps no buffers of its own: OpenSSL reads and writes the
// non-blocking socket directly (through a tiny BIO), and the stream waits for socket readiness when
// OpenSSL wants more. With SSL_MODE_RELEASE_BUFFERS and release_buffers() before a long wait, an
// idle or slow connection then holds little more than OpenSSL's session state.
//
// Why not asio::ssl::stream: it keeps two 17 KiB buffers per stream and a 2 x 17 KiB BIO pair -
// about 70 KiB for every open upstream connection, which dominated the memory of 10,000 slow
// streams (docs/benchmarks.md, benchmark 4). nginx drives OpenSSL the same way as this file.
//
// Models AsyncReadStream and AsyncWriteStream. Threading: like a socket - one read and one write at
// a time, from the strand that owns the connection.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/ssl.h>

#include <cstddef>
#include <string>
#include <utility>

namespace gateway {

class lean_tls_stream {
 public:
  using socket_type = boost::asio::ip::tcp::socket;
  using executor_type = socket_type::executor_type;
  using next_layer_type = socket_type;
  using lowest_layer_type = socket_type::lowest_layer_type;

  lean_tls_stream(socket_type socket, boost::asio::ssl::context& ctx);
  ~lean_tls_stream();
  lean_tls_stream(const lean_tls_stream&) = delete;
  lean_tls_stream& operator=(const lean_tls_stream&) = delete;

  executor_type get_executor() { return socket_.get_executor(); }
  socket_type& next_layer() { return socket_; }
  lowest_layer_type& lowest_layer() { return socket_.lowest_layer(); }
  SSL* native_handle() { return ssl_; }

  /// Before the handshake: SNI (names only) and verification of the certificate against `host`
  /// (a DNS name or an IP address) and the context's trusted CAs.
  void set_host(const std::string& host, bool is_ip);

  /// The client handshake; the socket must be connected.
  template <class Token>
  auto async_handshake(Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code)>(
        handshake_op{this}, token, socket_);
  }

  /// One read that never waits: the bytes read, or 0 with `wait` set to what the socket must become
  /// (readable, or writable for a TLS renegotiation) before trying again; `ec` on failure (eof:
  /// the peer closed the TLS session). The relay's hot path: when bytes are already there it costs
  /// one SSL_read and no asynchronous operation.
  std::size_t try_read(boost::asio::mutable_buffer buffer, socket_type::wait_type& wait,
                       boost::system::error_code& ec) {
    std::size_t n = 0;
    set_wait(read_step(buffer.data(), buffer.size(), n, ec), wait);
    return n;
  }

  /// One write that never waits, try_read's pair: the bytes written (all of `buffer`: OpenSSL takes
  /// a buffer whole, in as many records as it needs), or 0 with `wait` set; after the wait, call
  /// again with the same bytes. A request fits the socket's buffer: one SSL_write, no operation.
  std::size_t try_write(boost::asio::const_buffer buffer, socket_type::wait_type& wait,
                        boost::system::error_code& ec) {
    std::size_t n = 0;
    set_wait(write_step(buffer.data(), buffer.size(), n, ec), wait);
    return n;
  }

  /// Whether a read now would almost surely find nothing: OpenSSL's last read of the socket was
  /// short (it took all there was) and OpenSSL holds no bytes it read ahead. The relay then waits
  /// for readability at once instead of paying a read that fails with EAGAIN (one system call per
  /// streamed event); Asio's wait completes at once if bytes came meanwhile. readable() after
  /// the wait.
  bool drained() const noexcept { return bio_socket_.drained && SSL_has_pending(ssl_) == 0; }
  void readable() noexcept { bio_socket_.drained = false; }

  /// What the socket BIO reads and writes: the descriptor, and whether its last read was short.
  struct bio_socket {
    int fd = -1;
    bool drained = false;
  };

  /// Gives OpenSSL's read and write buffers back when they hold nothing (about 17 KiB while
  /// allocated: the read buffer is allocated by the read that finds the socket empty and stays
  /// through the wait that follows). For a connection about to wait long; the next read allocates
  /// it again.
  void release_buffers() { SSL_free_buffers(ssl_); }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        io_op<true>{this, first(boost::asio::buffer_sequence_begin(buffers), boost::asio::buffer_sequence_end(buffers))},
        token, socket_);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
        io_op<false>{this, gather(buffers)}, token, socket_);
  }

 private:
  enum class step { done, want_read, want_write };
  // One SSL call: how it ended, and the error when it failed.
  step handshake_step(boost::system::error_code& ec);
  step read_step(void* data, std::size_t size, std::size_t& n, boost::system::error_code& ec);
  step write_step(const void* data, std::size_t size, std::size_t& n, boost::system::error_code& ec);
  step classify(int ret, boost::system::error_code& ec);
  static void set_wait(step st, socket_type::wait_type& wait) {
    if (st == step::want_read) wait = socket_type::wait_read;
    if (st == step::want_write) wait = socket_type::wait_write;
  }
  void attach();  // binds OpenSSL to the (now open) socket, once
  static void clear_errors();  // empties OpenSSL's error queue before a call
  bool closed(boost::system::error_code& ec);

  template <class It>
  static boost::asio::mutable_buffer first(It it, It end) {
    for (; it != end; ++it)
      if (boost::asio::buffer_size(*it) > 0) return *it;
    return {};
  }
  // A write sends at most one TLS record's worth, gathered: headers and body of a small request go
  // out as one record and one send, not one per buffer.
  template <class ConstBuffers>
  std::string gather(const ConstBuffers& buffers) {
    std::string out;
    for (auto it = boost::asio::buffer_sequence_begin(buffers); it != boost::asio::buffer_sequence_end(buffers); ++it) {
      const boost::asio::const_buffer b(*it);
      const auto take = std::min(b.size(), record_limit - out.size());
      out.append(static_cast<const char*>(b.data()), take);
      if (out.size() == record_limit) break;
    }
    return out;
  }
  static constexpr std::size_t record_limit = 16 * 1024;

  template <class Self>
  void wait(step s, Self& self) {
    socket_.async_wait(s == step::want_read ? socket_type::wait_read : socket_type::wait_write, std::move(self));
  }
  // Completes on the caller's executor, never from inside the initiating call.
  template <class Self, class... Args>
  static void finish_later(Self& self, Args... args) {
    auto ex = boost::asio::get_associated_executor(self, self.get_io_executor());
    boost::asio::post(ex, [self = std::move(self), args...]() mutable { self.complete(args...); });
  }

  struct handshake_op {
    lean_tls_stream* s;
    bool started = false;
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      const bool first_call = !std::exchange(started, true);
      if (ec) return self.complete(ec);
      const auto st = s->handshake_step(ec);
      if (st != step::done) return s->wait(st, self);
      if (first_call) return finish_later(self, ec);
      self.complete(ec);
    }
  };

  template <bool Read>
  struct io_op {
    lean_tls_stream* s;
    std::conditional_t<Read, boost::asio::mutable_buffer, std::string> buffer;
    bool started = false;
    template <class Self>
    void operator()(Self& self, boost::system::error_code ec = {}) {
      const bool first_call = !std::exchange(started, true);
      if (ec) return self.complete(ec, std::size_t{0});
      std::size_t n = 0;
      if (buffer.size() == 0) {
        if (first_call) return finish_later(self, ec, n);
        return self.complete(ec, n);
      }
      step st;
      if constexpr (Read)
        st = s->read_step(buffer.data(), buffer.size(), n, ec);
      else
        st = s->write_step(buffer.data(), buffer.size(), n, ec);
      if (st != step::done) return s->wait(st, self);
      if (first_call) return finish_later(self, ec, n);
      self.complete(ec, n);
    }
  };

  socket_type socket_;
  SSL* ssl_ = nullptr;
  bio_socket bio_socket_;
  bool attached_ = false;
};

}  // namespace gateway
