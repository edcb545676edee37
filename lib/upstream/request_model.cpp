#include "upstream/request_model.hpp"

#include <boost/json.hpp>

namespace gateway {

std::optional<std::string> with_model(std::string_view body, std::string_view model) {
  boost::system::error_code ec;
  auto root = boost::json::parse(body, ec);
  if (ec || !root.is_object()) return std::nullopt;
  root.as_object()["model"] = model;
  return boost::json::serialize(root);
}

}  // namespace gateway
