#include "upstream/request_model.hpp"

#include <boost/json.hpp>

namespace gateway {

std::optional<std::string> with_model(std::string_view body, std::string_view model) {
  boost::system::error_code ec;
  unsigned char scratch[4096];  // the document lives here while it is re-addressed: no allocation per node
  boost::json::monotonic_resource memory(scratch, sizeof scratch);
  auto root = boost::json::parse(body, ec, &memory);
  if (ec || !root.is_object()) return std::nullopt;
  root.as_object()["model"] = model;
  return boost::json::serialize(root);
}

}  // namespace gateway
