// OpenSSL contexts: the verifying client context for the upstream, and the server context groq-sim
// uses. A context is built once at start-up (file I/O happens here, never per request).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <string>

namespace gateway {

/// TLS 1.2+, verify_peer, the system CA store plus `extra_ca_file` when it is not empty; sessions
/// go to the tls_session_cache each connection names (see tls_session_cache.hpp).
/// Throws std::runtime_error naming the file when the CA file cannot be loaded.
boost::asio::ssl::context make_client_tls_context(const std::string& extra_ca_file);

/// A server context from PEM text (certificate chain and private key).
boost::asio::ssl::context make_server_tls_context(const std::string& cert_pem, const std::string& key_pem);

}  // namespace gateway
