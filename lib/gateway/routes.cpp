#include "gateway/routes.hpp"

#include "chat/chat_reply.hpp"
#include "openai/openai_protocol.hpp"

#include <algorithm>

namespace gateway {

std::string error_body(error_style style, unsigned status, std::string_view code, std::string_view message) {
  if (style == error_style::chat) return json_error(code, message);
  std::string_view type = "api_error";
  if (status == 401) type = "authentication_error";
  else if (status == 404) type = "not_found_error";
  else if (status == 429) type = "rate_limit_error";
  else if (status >= 400 && status < 500) type = "invalid_request_error";
  return openai_error_body({status, std::string(type), std::string(code), std::string(message), {}});
}

route_table::route_table(std::vector<route> routes, std::vector<route_area> areas)
    : routes_(std::move(routes)), areas_(std::move(areas)) {
  for (const auto& r : routes_) {
    auto it = std::find_if(labels_.begin(), labels_.end(), [&](const route_label& l) { return l.name == r.metric; });
    if (it == labels_.end()) {
      // /metrics is scraped every few seconds; its own duration would only add noise.
      labels_.push_back({r.metric, r.metric != "/metrics"});
      it = labels_.end() - 1;
    }
    metric_of_.push_back(static_cast<std::size_t>(it - labels_.begin()));
  }
}

const route* route_table::find(std::string_view path) const {
  for (const auto& r : routes_)
    if (r.path == path) return &r;
  return nullptr;
}

bool route_table::allows(const route& r, beast::http::verb method) const {
  const auto has = [&](beast::http::verb v) { return std::find(r.methods.begin(), r.methods.end(), v) != r.methods.end(); };
  return has(method) || (method == beast::http::verb::head && has(beast::http::verb::get));
}

std::string route_table::allow(const route& r) const {
  std::string out;
  for (const auto v : r.methods) {
    if (!out.empty()) out += ", ";
    out += beast::http::to_string(v);
    if (v == beast::http::verb::get) out += ", HEAD";
  }
  return out;
}

std::size_t route_table::metric(const route* r) const {
  if (!r) return labels_.size();  // "other"
  return metric_of_[static_cast<std::size_t>(r - routes_.data())];
}

const route_area* route_table::area_for(std::string_view path) const {
  for (const auto& a : areas_)
    if (path.starts_with(a.prefix)) return &a;
  return nullptr;
}

error_style route_table::style_for(std::string_view path) const {
  if (const auto* r = find(path)) return r->style;
  if (const auto* a = area_for(path)) return a->style;
  return error_style::chat;
}

bool route_table::needs_key(std::string_view path) const {
  if (const auto* r = find(path)) return r->needs_key;
  if (const auto* a = area_for(path)) return a->needs_key;
  return false;
}

std::vector<route_label> route_table::metric_labels() const { return labels_; }

}  // namespace gateway
