// gateway_config loaded from a map of variables instead of the process's environment.
#pragma once

#include "config/gateway_config.hpp"

#include <map>
#include <string>

namespace test {

inline gateway::config_result load_config_from(const std::map<std::string, std::string>& vars) {
  return gateway::load_config([&](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

}  // namespace test
