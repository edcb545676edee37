#include "cache/answer_store.hpp"

#include <boost/asio/awaitable.hpp>

namespace gateway {

asio::awaitable<std::shared_ptr<const cached_answer>> answer_store::find_shared(const cache_key&,
                                                                             clock_type::time_point) {
  co_return nullptr;  // no shared tier
}

}  // namespace gateway
