#include "transport/base_url.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

namespace gateway {

std::string base_url::host_header() const {
  const bool default_port = (tls && port == "443") || (!tls && port == "80");
  const std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? h : h + ":" + port;
}

bool base_url::host_is_ip() const {
  boost::system::error_code ec;
  boost::asio::ip::make_address(host, ec);
  return !ec;
}

std::optional<base_url> parse_base_url(std::string_view text, std::string& why) {
  auto parsed = boost::urls::parse_absolute_uri(text);
  if (!parsed) {
    why = "not an absolute URL";
    return std::nullopt;
  }
  const boost::urls::url_view& u = *parsed;
  base_url out;
  if (u.scheme_id() == boost::urls::scheme::https) {
    out.tls = true;
  } else if (u.scheme_id() == boost::urls::scheme::http) {
    out.tls = false;
  } else {
    why = "scheme must be http or https";
    return std::nullopt;
  }
  if (u.has_userinfo()) {
    why = "credentials in the URL are not supported (use GROQ_API_KEY)";
    return std::nullopt;
  }
  if (u.has_query() || u.has_fragment()) {
    why = "the base URL must not have a query or fragment";
    return std::nullopt;
  }
  std::string host(u.encoded_host_address());
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) {
    why = "the URL has no host";
    return std::nullopt;
  }
  out.host = std::move(host);
  if (u.has_port()) {
    const auto p = u.port();
    if (p.empty() || u.port_number() == 0) {
      why = "the port is not a number from 1 to 65535";
      return std::nullopt;
    }
    out.port = std::string(p);
  } else {
    out.port = out.tls ? "443" : "80";
  }
  std::string path(u.encoded_path());
  while (!path.empty() && path.back() == '/') path.pop_back();
  out.path_prefix = std::move(path);
  return out;
}

}  // namespace gateway
