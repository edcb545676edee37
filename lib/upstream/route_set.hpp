// One generation of the upstream's keys and routes: the Groq keys (GROQ_API_KEYS, held by a
// provider: the Authorization header and redaction) and the routes over them (every key x model,
// upstream_routes). A reload that changes the keys or FALLBACK_MODELS makes a new one;
// upstream_caller gives each call the current one, and the request keeps it - its keys, budgets
// and breakers - until its answer ends, whatever was loaded meanwhile.
// Threading: the keys are immutable after construction; the routes are thread-safe.
#pragma once

#include "core/logger.hpp"
#include "upstream/circuit_breaker.hpp"
#include "upstream/provider.hpp"
#include "upstream/upstream_routes.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace gateway {

struct route_set {
  /// `keys.api_keys`: the Groq keys in order; `models`: MODEL, then FALLBACK_MODELS.
  route_set(provider keys, std::vector<std::string> models, breaker_settings breaker, logger log);
  route_set(const route_set&) = delete;
  route_set& operator=(const route_set&) = delete;

  /// Key `key`'s Authorization header value, made once per key; "" when no key is configured.
  std::string_view authorization(std::size_t key) const {
    return key < authorizations_.size() ? std::string_view(authorizations_[key])
                                        : std::string_view();
  }

  const provider keys;     // its api_keys: never logged; redact() removes them from upstream text
  upstream_routes routes;  // keys x models, each with its budget, breaker and counters

 private:
  std::vector<std::string> authorizations_;  // "Bearer KEY" per key
};

}  // namespace gateway
