// Feeds bytes to a Beast basic_parser (Beast's own request_parser or the gateway's request_reader)
// the way serve_http does: what is buffered, then the rest - cut at any point. Shared by the
// request reader's unit test and its fuzz target (which includes it by relative path: the fuzz
// build sees lib/ only).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/error.hpp>

#include <cstdlib>
#include <string>
#include <string_view>

namespace gateway::testing {

/// Feeds `bytes` in two pieces cut at `cut` until the message is done or fails; the error
/// (need_more when the bytes end first). The parser's limits are the caller's to set.
template <class Parser>
boost::beast::error_code feed(Parser& p, std::string_view bytes, std::size_t cut) {
  namespace beast = boost::beast;
  boost::beast::error_code ec;
  std::string buffer(bytes.substr(0, cut));
  std::size_t next = cut;
  for (;;) {
    while (!buffer.empty() && !p.is_done()) {
      const auto used = p.put(boost::asio::buffer(buffer), ec);
      if (used > buffer.size()) std::abort();  // a parser never takes more than it was given
      buffer.erase(0, used);
      if (ec == beast::http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return ec;
      if (used == 0) break;
    }
    if (p.is_done()) return ec;
    if (next >= bytes.size()) return beast::http::error::need_more;
    buffer += bytes.substr(next);
    next = bytes.size();
  }
}

}  // namespace gateway::testing
