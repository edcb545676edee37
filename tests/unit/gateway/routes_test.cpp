// The route table: matching, methods and Allow, metrics labels, and the error style and key rule of
// paths with and without a row.
#include "gateway/routes.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace gateway;
namespace json = boost::json;

namespace {
asio::awaitable<bool> none(request_context&) { co_return true; }
}  // namespace

TEST_CASE("routes: rows, methods, labels, styles and keys", "[routes]") {
  using v = beast::http::verb;
  const route_table t({{"/chat", {v::post}, "/chat", true, error_style::chat, none},
                       {"/v1/chat/completions", {v::post}, "/v1/chat/completions", true, error_style::openai, none},
                       {"/openai/v1/chat/completions", {v::post}, "/v1/chat/completions", true, error_style::openai, none},
                       {"/healthz", {v::get}, "/healthz", false, error_style::chat, none},
                       {"/metrics", {v::get}, "/metrics", false, error_style::chat, none}},
                      {{"/v1/", error_style::openai, true}});
  const auto* chat = t.find("/chat");
  REQUIRE(chat);
  CHECK(t.find("/chat/") == nullptr);  // exact paths only
  CHECK(t.allows(*chat, v::post));
  CHECK_FALSE(t.allows(*chat, v::get));
  CHECK(t.allow(*chat) == "POST");
  const auto* health = t.find("/healthz");
  CHECK(t.allows(*health, v::head));  // GET answers HEAD too
  CHECK(t.allow(*health) == "GET, HEAD");

  // Two paths of one endpoint share a label; unknown paths count as "other" (the last index).
  CHECK(t.metric(t.find("/v1/chat/completions")) == t.metric(t.find("/openai/v1/chat/completions")));
  const auto labels = t.metric_labels();
  REQUIRE(labels.size() == 4);
  CHECK(labels[1].name == "/v1/chat/completions");
  CHECK(t.metric(nullptr) == labels.size());
  CHECK_FALSE(labels[3].timed);  // /metrics does not time itself

  CHECK(t.style_for("/v1/chat/completions") == error_style::openai);
  CHECK(t.style_for("/v1/unknown") == error_style::openai);  // an area's
  CHECK(t.style_for("/unknown") == error_style::chat);
  CHECK(t.needs_key("/v1/unknown"));
  CHECK_FALSE(t.needs_key("/unknown"));
  CHECK_FALSE(t.needs_key("/healthz"));
}

TEST_CASE("routes: error bodies in both shapes", "[routes]") {
  const auto chat = json::parse(error_body(error_style::chat, 404, "not_found", "no route"));
  CHECK(chat.at("error").at("code") == "not_found");
  CHECK_FALSE(chat.at("error").as_object().contains("type"));
  const auto openai = json::parse(error_body(error_style::openai, 431, "headers_too_large", "too large"));
  CHECK(openai.at("error").at("type") == "invalid_request_error");
  CHECK(openai.at("error").at("param").is_null());
  CHECK(json::parse(error_body(error_style::openai, 401, "invalid_api_key", "k")).at("error").at("type") ==
        "authentication_error");
  CHECK(json::parse(error_body(error_style::openai, 503, "shutting_down", "s")).at("error").at("type") == "api_error");
}
