// header_value / has_header walk the fields instead of Beast's ordered set: they must answer as
// `req[...]` and `req.count(...)` do - the first field of a name, any case, or nothing.
#include "http/header_lookup.hpp"
#include "http/request_context.hpp"

#include <catch2/catch.hpp>

using namespace gateway;

TEST_CASE("header lookup: the same answers as Beast's own lookup", "[http]") {
  request_t req{http::verb::post, "/chat", 11};
  req.insert("Content-Type", "application/json; charset=utf-8");
  req.insert("X-Request-Id", "first");
  req.insert("x-request-id", "second");
  req.insert("cache-control", "");
  req.insert("X-Forwarded-For", "10.0.0.1");
  req.insert("Authorization", "Bearer k");

  for (const auto f : {http::field::content_type, http::field::cache_control, http::field::authorization,
                       http::field::transfer_encoding, http::field::connection}) {
    INFO(http::to_string(f));
    CHECK(header_value(req, f) == req[f]);
    CHECK(has_header(req, f) == (req.count(f) > 0));
  }
  for (const std::string_view name : {"x-request-id", "X-REQUEST-ID", "x-forwarded-for", "x-missing", "content-type"}) {
    INFO(name);
    CHECK(header_value(req, name) == req[name]);
  }
  CHECK(header_value(req, "x-request-id") == "first");     // the first of two
  CHECK(has_header(req, http::field::cache_control));      // present, empty
  CHECK(header_value(req, http::field::cache_control).empty());
}
