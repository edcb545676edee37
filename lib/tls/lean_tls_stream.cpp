#include "tls/lean_tls_stream.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstdint>
#include <stdexcept>
#include <sys/socket.h>

namespace gateway {
namespace {

// A BIO over a non-blocking socket descriptor (not owned). Unlike OpenSSL's own socket BIO it sends
// with MSG_NOSIGNAL: a peer that went away is an error to report, not a SIGPIPE for the process.
// It also notes whether its last read found the socket empty (see lean_tls_stream::drained).
using bio_socket = lean_tls_stream::bio_socket;
bio_socket& socket_of(BIO* b) { return *static_cast<bio_socket*>(BIO_get_data(b)); }

bool would_block() { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR; }

int bio_write(BIO* b, const char* data, int size) {
  BIO_clear_retry_flags(b);
  const auto n = ::send(socket_of(b).fd, data, static_cast<std::size_t>(size), MSG_NOSIGNAL);
  if (n < 0 && would_block()) BIO_set_retry_write(b);
  return static_cast<int>(n);
}

int bio_read(BIO* b, char* data, int size) {
  BIO_clear_retry_flags(b);
  auto& socket = socket_of(b);
  const auto n = ::recv(socket.fd, data, static_cast<std::size_t>(size), 0);
  socket.drained = n < size;  // a short read emptied the socket (or found it empty)
  if (n < 0 && would_block()) BIO_set_retry_read(b);
  return static_cast<int>(n);
}

long bio_ctrl(BIO*, int cmd, long, void*) { return cmd == BIO_CTRL_FLUSH ? 1 : 0; }

int bio_create(BIO* b) {
  BIO_set_init(b, 1);
  return 1;
}

int bio_destroy(BIO*) { return 1; }

BIO_METHOD* socket_method() {
  static BIO_METHOD* method = [] {
    auto* m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "gateway nonblocking socket");
    if (!m || !BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
        !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) || !BIO_meth_set_destroy(m, bio_destroy))
      throw std::runtime_error("cannot create the TLS socket BIO");
    return m;
  }();
  return method;
}

}  // namespace

lean_tls_stream::lean_tls_stream(socket_type socket, boost::asio::ssl::context& ctx)
    : socket_(std::move(socket)), ssl_(SSL_new(ctx.native_handle())) {
  if (!ssl_) throw std::runtime_error("SSL_new failed");
  SSL_set_connect_state(ssl_);
  // A write that must wait is retried from the operation's own copy, which may have moved.
  SSL_set_mode(ssl_, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  // Reads a whole record (and what follows it) with one recv, not its 5-byte header first: one
  // system call less per streamed event.
  SSL_set_read_ahead(ssl_, 1);
}

lean_tls_stream::~lean_tls_stream() { SSL_free(ssl_); }  // frees the BIO; the socket closes itself

void lean_tls_stream::set_host(const std::string& host, bool is_ip) {
  SSL_set_verify(ssl_, SSL_VERIFY_PEER, nullptr);
  if (is_ip) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, host.c_str());
    SSL_set1_host(ssl_, host.c_str());
  }
}

// OpenSSL's error queue must be empty before an SSL call for SSL_get_error to be right. Clearing
// it walks all of its slots, twice per streamed event (benchmark 9); finding it empty first is a
// fraction of that, and it is empty nearly always (classify() clears after a failure). The same
// guarantee either way.
void lean_tls_stream::clear_errors() {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

bool lean_tls_stream::closed(boost::system::error_code& ec) {
  // The socket may have been closed under us (a deadline fired): OpenSSL must not touch a descriptor
  // number that is no longer ours, and may already belong to another connection.
  if (socket_.is_open()) return false;
  ec = boost::asio::error::bad_descriptor;
  return true;
}

void lean_tls_stream::attach() {
  if (attached_) return;
  attached_ = true;
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  BIO* bio = BIO_new(socket_method());
  bio_socket_.fd = socket_.native_handle();
  BIO_set_data(bio, &bio_socket_);
  SSL_set_bio(ssl_, bio, bio);  // one BIO both ways; SSL owns it
}

lean_tls_stream::step lean_tls_stream::classify(int ret, boost::system::error_code& ec) {
  const int err = SSL_get_error(ssl_, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ: return step::want_read;
    case SSL_ERROR_WANT_WRITE: return step::want_write;
    case SSL_ERROR_ZERO_RETURN: ec = boost::asio::error::eof; break;
    case SSL_ERROR_SYSCALL:
      // The socket failed, or (OpenSSL 1.1 style) it ended without close_notify.
      ec = errno ? boost::system::error_code(errno, boost::system::system_category())
                 : boost::system::error_code(boost::asio::ssl::error::stream_truncated);
      break;
    default: {
      const auto code = ERR_get_error();
      // OpenSSL 3 reports a connection closed without close_notify this way; Asio calls it truncated.
      if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
        ec = boost::asio::ssl::error::stream_truncated;
      else
        ec = boost::system::error_code(static_cast<int>(code), boost::asio::error::get_ssl_category());
    }
  }
  ERR_clear_error();
  return step::done;
}

lean_tls_stream::step lean_tls_stream::handshake_step(boost::system::error_code& ec) {
  if (closed(ec)) return step::done;
  attach();
  clear_errors();
  errno = 0;
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) return step::done;
  return classify(ret, ec);
}

lean_tls_stream::step lean_tls_stream::read_step(void* data, std::size_t size, std::size_t& n,
                                                 boost::system::error_code& ec) {
  if (closed(ec)) return step::done;
  attach();
  clear_errors();
  errno = 0;
  if (SSL_read_ex(ssl_, data, size, &n) == 1) return step::done;
  n = 0;
  return classify(0, ec);
}

lean_tls_stream::step lean_tls_stream::write_step(const void* data, std::size_t size, std::size_t& n,
                                                  boost::system::error_code& ec) {
  if (closed(ec)) return step::done;
  attach();
  clear_errors();
  errno = 0;
  if (SSL_write_ex(ssl_, data, size, &n) == 1) return step::done;
  n = 0;
  return classify(0, ec);
}

}  // namespace gateway
