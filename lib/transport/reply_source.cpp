#include "transport/reply_source.hpp"

#include "core/error.hpp"

#include <boost/asio/awaitable.hpp>

#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

namespace gateway {

asio::awaitable<std::string_view> reply_source::read_some(std::error_code& ec) {
  for (;;) {
    if (auto piece = try_read(ec)) co_return *piece;
    co_await wait_readable(ec);
    if (ec) co_return std::string_view{};
  }
}

asio::awaitable<std::string> reply_source::read_all(std::size_t limit, std::error_code& ec) {
  std::string body;
  while (!done()) {
    const auto piece = co_await read_some(ec);
    if (ec || piece.empty()) co_return body;
    if (body.size() + piece.size() > limit) {
      ec = make_error_code(error::upstream_protocol_error);
      co_return body;
    }
    body.append(piece);
  }
  co_return body;
}

}  // namespace gateway
