#include "tls/tls_context.hpp"
#include "tls/tls_session_cache.hpp"

#include <boost/asio/buffer.hpp>
#include <openssl/ssl.h>

#include <stdexcept>

namespace gateway {
namespace ssl = boost::asio::ssl;

ssl::context make_client_tls_context(const std::string& extra_ca_file) {
  ssl::context ctx(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // Buffers of idle connections are released: with many pooled or streaming connections this is
  // most of OpenSSL's per-connection memory.
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  tls_session_cache::enable(ctx.native_handle());
  ctx.set_default_verify_paths();
  if (!extra_ca_file.empty()) {
    boost::system::error_code ec;
    ctx.load_verify_file(extra_ca_file, ec);
    if (ec) throw std::runtime_error("GROQ_CA_FILE: cannot load " + extra_ca_file + ": " + ec.message());
  }
  ctx.set_verify_mode(ssl::verify_peer);
  return ctx;
}

ssl::context make_server_tls_context(const std::string& cert_pem, const std::string& key_pem) {
  ssl::context ctx(ssl::context::tls_server);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx.native_handle(), SSL_MODE_RELEASE_BUFFERS);
  ctx.use_certificate_chain(boost::asio::buffer(cert_pem));
  ctx.use_private_key(boost::asio::buffer(key_pem), ssl::context::pem);
  return ctx;
}

}  // namespace gateway
