// header_value / has_header walk the fields instead of Beast's ordered set, and the gateway's own
// request (inbound_request) keeps its fields in a list: each must answer as Beast's `req[...]` and
// `req.count(...)` do - the first field of a name, any case, or nothing.
#include "http/header_lookup.hpp"
#include "http/request_context.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <catch2/catch.hpp>

using namespace gateway;

TEST_CASE("header lookup: the same answers as Beast's own lookup", "[http]") {
  // The same fields in a Beast request and in the gateway's own: every lookup answers alike.
  beast::http::request<beast::http::string_body> beast_req{beast::http::verb::post, "/chat", 11};
  inbound_request req{beast::http::verb::post, "/chat", 11};
  for (const auto& [name, value] : std::initializer_list<std::pair<std::string_view, std::string_view>>{
           {"Content-Type", "application/json; charset=utf-8"},
           {"X-Request-Id", "first"},
           {"x-request-id", "second"},
           {"cache-control", ""},
           {"X-Forwarded-For", "10.0.0.1"},
           {"Authorization", "Bearer k"}}) {
    beast_req.insert(name, value);
    req.insert(name, value);
  }

  for (const auto f : {beast::http::field::content_type, beast::http::field::cache_control, beast::http::field::authorization,
                       beast::http::field::transfer_encoding, beast::http::field::connection}) {
    INFO(beast::http::to_string(f));
    CHECK(header_value(beast_req, f) == beast_req[f]);
    CHECK(has_header(beast_req, f) == (beast_req.count(f) > 0));
    CHECK(header_value(req, f) == beast_req[f]);
    CHECK(req[f] == beast_req[f]);
    CHECK(has_header(req, f) == (beast_req.count(f) > 0));
  }
  for (const std::string_view name : {"x-request-id", "X-REQUEST-ID", "x-forwarded-for", "x-missing", "content-type"}) {
    INFO(name);
    CHECK(header_value(beast_req, name) == beast_req[name]);
    CHECK(header_value(req, name) == beast_req[name]);
    CHECK(req[name] == beast_req[name]);
  }
  CHECK(header_value(req, "x-request-id") == "first");     // the first of two
  CHECK(has_header(req, beast::http::field::cache_control));      // present, empty
  CHECK(header_value(req, beast::http::field::cache_control).empty());
}
