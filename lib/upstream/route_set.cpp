#include "upstream/route_set.hpp"

namespace gateway {

route_set::route_set(provider k, std::vector<std::string> models, breaker_settings breaker,
                     logger log)
    : keys(std::move(k)), routes(keys.api_keys.size(), std::move(models), breaker, std::move(log)) {
  for (std::size_t i = 0; i < keys.api_keys.size(); ++i)
    authorizations_.push_back(keys.authorization(i));
}

}  // namespace gateway
