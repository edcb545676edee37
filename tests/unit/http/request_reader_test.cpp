// The request reader (lib/http/request_reader) against Beast's request_parser<string_body>, which
// it replaced: each request fed whole and cut at every byte (the way serve_http feeds it: what is
// buffered, then the rest) gives the same method, target, version, keep-alive, fields, body and
// error (the fields in arrival order, where Beast grouped those of one name); a connection's
// request object reused for the next request keeps nothing of the last one.
#include "http/request_reader.hpp"
#include "support/parser_feed.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

using namespace gateway;
namespace beast = boost::beast;

namespace {

constexpr std::uint32_t header_limit = 512;
constexpr std::uint64_t body_limit = 64;

// The reader and Beast's parser, with the same limits, fed the same way.
template <class Parser>
boost::beast::error_code feed(Parser& p, const std::string& bytes, std::size_t cut) {
  p.header_limit(header_limit);
  p.body_limit(body_limit);
  return testing::feed(p, bytes, cut);
}

struct field_copy {
  beast::http::field name;
  std::string name_string, value;
  bool operator==(const field_copy&) const = default;
};

// The fields grouped by name (any case), in arrival order within a name: Beast's container puts a
// field after the last one of its name, the reader keeps the order they came in (tested below).
template <class Fields>
std::vector<field_copy> fields_of(const Fields& fields) {
  std::vector<field_copy> out;
  for (const auto& f : fields)
    out.push_back({f.name(), std::string(f.name_string()), std::string(f.value())});
  const auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::stable_sort(out.begin(), out.end(), [&](const auto& a, const auto& b) {
    return lower(a.name_string) < lower(b.name_string);
  });
  return out;
}

const std::vector<std::string> requests{
    // A streaming /chat request as a browser sends it.
    "POST /chat HTTP/1.1\r\nHost: localhost:8000\r\nContent-Type: "
    "application/json\r\nContent-Length: 41\r\n"
    "Accept: text/event-stream\r\nX-Request-Id: abc-1\r\n\r\n{\"question\":\"BIST 100 "
    "nedir?\",\"stream\":1}",
    // A chunked body with an extension and a trailer, names in other cases, a custom field.
    "POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nCONTENT-TYPE: application/json\r\n"
    "Transfer-Encoding: chunked\r\nx-forwarded-for: 10.0.0.1, 10.0.0.2\r\n\r\n"
    "5;ext=1\r\n{\"a\":\r\n3\r\n1}\n\r\n0\r\nTrailer-Field: t\r\n\r\n",
    // HTTP/1.0, keep-alive asked for, no body, repeated fields, an empty value, spaces around
    // values.
    "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\nX-Dup: one\r\nX-Dup: two\r\nX-Empty:\r\n"
    "Cache-Control:   no-cache  \r\n\r\n",
    // HTTP/1.0 without keep-alive; HTTP/1.1 with close; an unknown method; HEAD.
    "GET / HTTP/1.0\r\n\r\n",
    "DELETE /v1/models?x=1 HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n",
    "HEAD /assets/app.js HTTP/1.1\r\nIf-None-Match: \"abc\"\r\nAccept-Encoding: gzip\r\n\r\n",
    // Pipelined: the first request ends where the second begins.
    "POST /chat HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}GET /healthz HTTP/1.1\r\n\r\n",
    // Refused: a body over the limit (stated and chunked), a header over the limit, malformed
    // lines.
    "POST /chat HTTP/1.1\r\nContent-Length: 65\r\n\r\n" + std::string(65, 'x'),
    "POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n" + std::string(65, 'x') +
        "\r\n0\r\n\r\n",
    "GET / HTTP/1.1\r\nX-Long: " + std::string(600, 'a') + "\r\n\r\n",
    "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
    "GET / HTTP/2.0\r\n\r\n",
    "GET /a b HTTP/1.1\r\n\r\n",
    "POST /chat HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
    "POST /chat HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    "POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    "GET / HTTP/1.1\r\nFolded: a\r\n b\r\n\r\n",  // obs-fold: Beast reads it as one value
    // Keep-alive as Beast's message read it: the first Connection field, a trailer's included.
    "GET / HTTP/1.1\r\nProxy-Connection: close\r\nConnection: keep-alive\r\nConnection: "
    "close\r\n\r\n",
    "POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nConnection: "
    "close\r\n\r\n",
    // ... and a trailer refused after its Connection field was read (found by fuzz_request_reader).
    "POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nConnection: "
    "close\r\nBad Name: y\r\n\r\n",
    // Cut short: the bytes end inside the body.
    "POST /chat HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
};

}  // namespace

TEST_CASE("request reader: the same request as Beast's request_parser, at every split", "[http]") {
  inbound_request request;  // reused across every request, as a connection does
  for (const auto& bytes : requests) {
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
      INFO(bytes);
      INFO("cut at " << cut);
      beast::http::request_parser<beast::http::string_body> beast_parser;
      const auto beast_ec = feed(beast_parser, bytes, cut);
      request_reader reader(request);
      const auto ec = feed(reader, bytes, cut);
      REQUIRE(ec == beast_ec);
      REQUIRE(reader.is_header_done() == beast_parser.is_header_done());
      REQUIRE(reader.is_done() == beast_parser.is_done());
      if (!reader.is_header_done()) continue;
      const auto& expected = beast_parser.get();
      CHECK(request.method() == expected.method());
      CHECK(request.method_string() == expected.method_string());
      CHECK(request.target() == expected.target());
      CHECK(request.version() == expected.version());
      CHECK(request.keep_alive() == expected.keep_alive());
      CHECK(fields_of(request) == fields_of(expected));
      if (reader.is_done()) CHECK(request.body() == expected.body());
    }
  }
}

TEST_CASE("request reader: a reused request keeps nothing of the last one", "[http]") {
  inbound_request request;
  {
    request_reader reader(request);
    REQUIRE(!feed(reader, "POST /chat HTTP/1.0\r\nA: 1\r\nContent-Length: 3\r\n\r\nabc", 0));
  }
  CHECK(request.body() == "abc");
  CHECK_FALSE(request.keep_alive());
  request_reader reader(request);
  REQUIRE(!feed(reader, "GET /healthz HTTP/1.1\r\n\r\n", 0));
  CHECK(request.method() == beast::http::verb::get);
  CHECK(request.target() == "/healthz");
  CHECK(request.version() == 11);
  CHECK(request.keep_alive());
  CHECK(request.begin() == request.end());
  CHECK(request["A"].empty());
  CHECK(request.body().empty());
}

TEST_CASE("request reader: what each request comes to when fed whole", "[http]") {
  // The list above holds both kinds: the comparison at every split covers reads and refusals.
  std::vector<std::string> outcomes;
  inbound_request request;
  for (const auto& bytes : requests) {
    request_reader reader(request);
    const auto ec = feed(reader, bytes, bytes.size());
    outcomes.push_back(ec ? ec.message() : "ok");
  }
  CHECK(outcomes == std::vector<std::string>{"ok",
                                             "ok",
                                             "ok",
                                             "ok",
                                             "ok",
                                             "ok",
                                             "ok",
                                             "ok",
                                             "body limit exceeded",
                                             "body limit exceeded",
                                             "header limit exceeded",
                                             "bad field",
                                             "bad version",
                                             "bad version",
                                             "multiple Content-Length",
                                             "bad Content-Length",
                                             "bad chunk",
                                             "ok",
                                             "ok",
                                             "ok",
                                             "bad field",
                                             "need more"});
}

TEST_CASE("request reader: fields stay in arrival order", "[http]") {
  inbound_request request;
  request_reader reader(request);
  REQUIRE(!feed(reader, "GET / HTTP/1.1\r\nX-A: 1\r\nHost: h\r\nx-a: 2\r\n\r\n", 0));
  std::vector<std::string> order;
  for (const auto& f : request) order.emplace_back(f.value());
  CHECK(order == std::vector<std::string>{"1", "h", "2"});
  CHECK(request["X-A"] == "1");  // the first of a name, as Beast's lookup
}

namespace {
// A reader with a 4 KiB body limit whose body is charged to `budget` through `hold`.
std::unique_ptr<request_reader> charged_reader(inbound_request& request, connection_budget& budget,
                                               connection_budget::body_hold& hold) {
  auto reader = std::make_unique<request_reader>(request);
  reader->header_limit(header_limit);
  reader->body_limit(4096);
  reader->charge_body_to(budget, hold);
  return reader;
}

// Feeds `bytes` one byte at a time, calling `after` with the bytes fed so far after each.
template <class After>
boost::beast::error_code feed_bytewise(request_reader& reader, std::string_view bytes,
                                       After&& after) {
  boost::beast::error_code ec;
  std::string pending;
  for (std::size_t i = 0; i < bytes.size() && !reader.is_done(); ++i) {
    pending += bytes[i];
    const auto used = reader.put(boost::asio::buffer(pending), ec);
    pending.erase(0, used);
    if (ec == beast::http::error::need_more) ec = {};
    if (ec) return ec;
    after(i + 1);
  }
  return ec;
}
}  // namespace

TEST_CASE("request reader: a body's buffer is charged to the budget as its bytes arrive",
          "[http][budget]") {
  const std::string body(1000, 'b');
  for (const bool chunked : {false, true}) {
    INFO("chunked " << chunked);
    const std::string head = chunked ? "POST /chat HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                                     : "POST /chat HTTP/1.1\r\nContent-Length: 1000\r\n\r\n";
    std::string bytes = head;
    if (chunked) {
      for (std::size_t at = 0; at < body.size(); at += 100)
        bytes += "64\r\n" + body.substr(at, 100) + "\r\n";
      bytes += "0\r\n\r\n";
    } else {
      bytes += body;
    }
    auto budget = connection_budget::create(connection_limits{10, 0, 1 << 20});
    connection_budget::body_hold hold;
    inbound_request request;
    auto reader = charged_reader(request, *budget, hold);
    std::size_t most = 0;
    const auto ec = feed_bytewise(*reader, bytes, [&](std::size_t) {
      const auto got = request.body().size();
      // The promise of 1,000 bytes costs nothing: what is held follows what came, at most twice.
      CHECK(hold.bytes() == budget->stats().inflight_body_bytes);
      CHECK(std::max(hold.bytes(), std::string().capacity()) >=
            got);  // a short string's bytes live in it
      CHECK(hold.bytes() <= std::max<std::size_t>(2 * got, 32));
      most = std::max(most, hold.bytes());
    });
    REQUIRE_FALSE(ec);
    REQUIRE(reader->is_done());
    CHECK(request.body() == body);
    CHECK(most >= 1000);
    CHECK(most <= (chunked ? 2000 : 1000));  // a stated length is the ceiling
    hold.release();
    CHECK(budget->stats().inflight_body_bytes == 0);
  }
}

TEST_CASE("request reader: a body that would pass the budget fails with no_buffer_space",
          "[http][budget]") {
  auto budget = connection_budget::create(connection_limits{10, 0, 300});
  connection_budget::body_hold other, hold;
  REQUIRE(budget->charge_body(100, other));  // another connection's body
  inbound_request request;
  auto reader = charged_reader(request, *budget, hold);
  std::size_t refused_after = 0;
  const auto ec = feed_bytewise(
      *reader, "POST /chat HTTP/1.1\r\nContent-Length: 1000\r\n\r\n" + std::string(1000, 'x'),
      [&](std::size_t fed) { refused_after = fed; });
  CHECK(ec == boost::asio::error::no_buffer_space);
  CHECK_FALSE(reader->is_done());
  // Refused while growing past what is left (200 bytes), not at the header's promise.
  CHECK(request.body().size() > 0);
  CHECK(request.body().size() <= 200);
  CHECK(budget->stats().inflight_body_bytes <= 300);
  CHECK(budget->stats().bodies_refused == 1);
  CHECK(refused_after > 50);
  hold.release();
  CHECK(budget->stats().inflight_body_bytes == 100);
}
