// The upstream response head parser (lib/transport/response_head) against Beast's response_parser,
// which it replaced: for Groq-like heads fed whole and cut at every byte, the same status, framing,
// keep-alive and values of the fields the gateway reads; the other fields are not kept; the body's
// first bytes are left to the body decoder.
#include "transport/response_head.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace gateway;
namespace beast = boost::beast;

namespace {

// Feeds `bytes` in two pieces cut at `cut` (the way read_head does: whatever is buffered, then
// more), until the head is done; returns the bytes the parser consumed.
template <class Parser>
std::size_t feed(Parser& p, const std::string& bytes, std::size_t cut, boost::beast::error_code& ec) {
  std::string buffer = bytes.substr(0, cut);
  std::size_t consumed_total = 0, next = cut;
  for (;;) {
    const auto used = p.put(boost::asio::buffer(buffer), ec);
    buffer.erase(0, used);
    consumed_total += used;
    if (p.is_header_done() || (ec && ec != beast::http::error::need_more)) return consumed_total;
    ec = {};
    if (next >= bytes.size()) {
      ec = beast::http::error::need_more;
      return consumed_total;
    }
    buffer += bytes.substr(next);
    next = bytes.size();
  }
}

const std::vector<std::string> heads{
    // A stream, as Groq answers one.
    "HTTP/1.1 200 OK\r\nDate: Fri, 04 Dec 2026 10:00:00 GMT\r\nContent-Type: text/event-stream\r\n"
    "Transfer-Encoding: chunked\r\nConnection: keep-alive\r\nCache-Control: no-cache\r\n"
    "x-ratelimit-limit-requests: 14400\r\nx-ratelimit-limit-tokens: 6000\r\n"
    "x-ratelimit-remaining-requests: 14399\r\nx-ratelimit-remaining-tokens: 5987\r\n"
    "x-ratelimit-reset-requests: 6s\r\nx-ratelimit-reset-tokens: 130ms\r\nx-request-id: req_01abc\r\n"
    "Server: cloudflare\r\n\r\n1a\r\ndata: {\"choices\":[]}\n\n\r\n",
    // A rate-limited answer with a length, names in another case, and closing.
    "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nContent-Length: 17\r\n"
    "Retry-After: 7\r\nRETRY-AFTER-MS: 6500\r\nX-RateLimit-Remaining-Requests: 0\r\nConnection: close\r\n\r\n"
    "{\"error\":\"slow\"}\n",
    // HTTP/1.0, no framing (the body ends with the connection).
    "HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n\r\nbusy",
    // No body at all.
    "HTTP/1.1 204 No Content\r\nx-ratelimit-reset-tokens: 1s\r\n\r\n",
};

const std::vector<std::string> names{"x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                                     "x-ratelimit-limit-tokens",   "x-ratelimit-remaining-tokens",
                                     "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens",
                                     "retry-after",                "retry-after-ms"};

}  // namespace

TEST_CASE("upstream response head: what Beast's response_parser read, at every split", "[upstream][head]") {
  for (const auto& bytes : heads)
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      INFO(bytes.substr(0, bytes.find("\r\n")) << ", cut at " << cut);
      beast::http::response_parser<beast::http::empty_body> beast;
      response_head_parser ours;
      boost::beast::error_code bec, oec;
      const auto beast_used = feed(beast, bytes, cut, bec);
      const auto our_used = feed(ours, bytes, cut, oec);
      REQUIRE_FALSE(bec);
      REQUIRE_FALSE(oec);
      REQUIRE(ours.is_header_done());
      CHECK(our_used == beast_used);
      CHECK(ours.status() == beast.get().result_int());
      CHECK(ours.keep_alive() == beast.keep_alive());
      CHECK(ours.chunked() == beast.chunked());
      CHECK(ours.content_length().value_or(~0ull) == beast.content_length().value_or(~0ull));
      CHECK(ours.is_done() == beast.is_done());
      for (const auto& name : names) {
        const auto it = beast.get().find(name);
        CHECK(ours.header(name) == (it == beast.get().end() ? std::string_view() : std::string_view(it->value())));
      }
      // Fields the gateway does not read are not kept.
      CHECK(ours.header("content-type").empty());
      CHECK(ours.header("x-request-id").empty());
    }
}

TEST_CASE("upstream response head: a bad or over-long head is the parser's error", "[upstream][head]") {
  boost::beast::error_code ec;
  response_head_parser bad;
  feed(bad, "HTTP/1.1 2x0 OK\r\n\r\n", 0, ec);
  CHECK(ec);
  response_head_parser long_head;
  std::string head = "HTTP/1.1 200 OK\r\n";
  while (head.size() < 9000) head += "x-ratelimit-filler: " + std::string(100, 'a') + "\r\n";
  head += "\r\n";
  ec = {};
  feed(long_head, head, head.size(), ec);
  CHECK(ec == beast::http::error::header_limit);
}

TEST_CASE("upstream response head: kept names", "[upstream][head]") {
  CHECK(response_head_parser::kept("x-ratelimit-remaining-tokens"));
  CHECK(response_head_parser::kept("X-RateLimit-Reset-Requests"));
  CHECK(response_head_parser::kept("Retry-After"));
  CHECK(response_head_parser::kept("retry-after-ms"));
  CHECK_FALSE(response_head_parser::kept("x-ratelimit"));
  CHECK_FALSE(response_head_parser::kept("content-length"));
  CHECK_FALSE(response_head_parser::kept("retry"));
}
