// The upstream body decoder (sans-io): every framing, fed whole, cut at every point and byte by
// byte, gives the same body; malformed framing is an error, never a guess; what follows a body
// stays unused.
#include "core/error.hpp"
#include "transport/body_decoder.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <catch2/catch.hpp>
#include <fmt/format.h>

#include <string>
#include <vector>

using gateway::body_decoder;

namespace {

struct decoded {
  std::string body;
  bool done = false;
  bool failed = false;
  std::string left;  // input after the body, never decoded
};

// Drives the decoder as upstream_exchange does: a buffer the arriving pieces are appended to, the
// decoded prefix dropped after each call.
decoded run(body_decoder d, const std::vector<std::string>& arrivals, bool eof = false) {
  decoded out;
  std::string buffer;
  auto drain = [&] {
    for (;;) {
      std::error_code ec;
      const auto p = d.feed(buffer, ec);
      if (ec) {
        CHECK(ec == gateway::error::upstream_protocol_error);
        out.failed = true;
        return false;
      }
      REQUIRE(p.used <= buffer.size());
      if (!p.data.empty()) {
        // The piece is the end of the decoded prefix, inside the input.
        CHECK(p.data.data() + p.data.size() == buffer.data() + p.used);
        out.body.append(p.data);
      }
      buffer.erase(0, p.used);
      if (d.done() || p.data.empty()) return true;
    }
  };
  for (const auto& a : arrivals) {
    buffer += a;
    if (!drain()) return out;
  }
  if (eof && !d.finish_at_eof()) out.failed = true;
  out.done = d.done();
  out.left = buffer;
  return out;
}

// Every way to cut `wire` in two, and byte by byte: the same result as whole.
void check_every_split(body_decoder (*make)(), const std::string& wire, const decoded& expected, bool eof = false) {
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    INFO("cut at " << cut);
    const auto r = run(make(), {wire.substr(0, cut), wire.substr(cut)}, eof);
    CHECK(r.body == expected.body);
    CHECK(r.done == expected.done);
    CHECK(r.failed == expected.failed);
  }
  std::vector<std::string> bytes;
  for (char c : wire) bytes.emplace_back(1, c);
  const auto r = run(make(), bytes, eof);
  CHECK(r.body == expected.body);
  CHECK(r.done == expected.done);
  CHECK(r.failed == expected.failed);
}

body_decoder chunked() { return body_decoder::chunked(); }

// What Beast's own parser makes of the same chunked body: the reference for well-formed input.
std::string beast_body(const std::string& chunked_wire) {
  namespace beast = boost::beast;
  beast::http::response_parser<beast::http::string_body> p;
  p.eager(true);
  const std::string msg = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked_wire;
  boost::system::error_code ec;
  std::size_t used = 0;
  while (used < msg.size() && !p.is_done()) {
    const auto n = p.put(boost::asio::buffer(msg.data() + used, msg.size() - used), ec);
    used += n;
    if (ec || n == 0) break;
  }
  REQUIRE_FALSE(ec);
  REQUIRE(p.is_done());
  return p.get().body();
}

}  // namespace

TEST_CASE("body decoder: chunked events, cut anywhere, decode to the same body as Beast's parser", "[body_decoder]") {
  const std::string e1 = "data: {\"choices\":[{\"delta\":{\"content\":\"Borsa İstanbul\"}}]}\n\n";
  const std::string e2 = "data: {\"choices\":[{\"delta\":{\"content\":\" şirketleri\"}}]}\n\n";
  const std::string wire = fmt::format("{:x}\r\n{}\r\n{:X}\r\n{}\r\n0\r\n\r\n", e1.size(), e1, e2.size(), e2);
  REQUIRE(beast_body(wire) == e1 + e2);
  check_every_split(chunked, wire, {e1 + e2, true, false, ""});
}

TEST_CASE("body decoder: extensions, leading zeros and trailers are read past", "[body_decoder]") {
  const std::string wire = "005;name=value;x=\"q\"\r\nhello\r\n6 ;ext\r\n world\r\n0\r\nx-trailer: 1\r\nx-other: 2\r\n\r\n";
  REQUIRE(beast_body(wire) == "hello world");
  check_every_split(chunked, wire, {"hello world", true, false, ""});
}

TEST_CASE("body decoder: a chunk larger than what arrived is handed out as it arrives", "[body_decoder]") {
  const auto r = run(body_decoder::chunked(), {"a\r\n0123", "456", "789\r\n0\r\n\r\n"});
  CHECK(r.body == "0123456789");
  CHECK(r.done);
}

TEST_CASE("body decoder: what follows the end of the body stays unused", "[body_decoder]") {
  const auto r = run(body_decoder::chunked(), {"3\r\nabc\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n"});
  CHECK(r.body == "abc");
  CHECK(r.done);
  CHECK(r.left == "HTTP/1.1 200 OK\r\n");
  const auto n = run(body_decoder::length(4), {"abcdefg"});
  CHECK(n.body == "abcd");
  CHECK(n.done);
  CHECK(n.left == "efg");
}

TEST_CASE("body decoder: malformed framing is an error at any cut", "[body_decoder]") {
  for (const char* wire : {
           "3\r\nabcX\r\n0\r\n\r\n",      // data longer than its size
           "3\nabc\r\n0\r\n\r\n",         // a bare LF
           "3\r\r\nabc\r\n0\r\n\r\n",     // a CR inside the size line
           "g\r\nabc\r\n0\r\n\r\n",       // not hex
           "\r\nabc\r\n0\r\n\r\n",        // no size
           "3 x\r\nabc\r\n0\r\n\r\n",     // junk after the size
           "-3\r\nabc\r\n0\r\n\r\n",      // a sign
           "11111111111111111\r\n",       // over 2^64
           "3\r\nabc\r\n0\r\nbad\n\r\n",  // a trailer line without its CR
       }) {
    INFO(wire);
    const auto whole = run(body_decoder::chunked(), {wire});
    CHECK(whole.failed);
    check_every_split(chunked, wire, {whole.body, false, true, ""});
  }
}

TEST_CASE("body decoder: framing that never ends is refused at its limit, not buffered", "[body_decoder]") {
  const std::string endless = "1;" + std::string(body_decoder::max_size_line, 'x');
  const auto line = run(body_decoder::chunked(), {endless});
  CHECK(line.failed);
  std::string trailers = "0\r\n";
  while (trailers.size() < body_decoder::max_trailer + 100) trailers += "x-filler: aaaaaaaaaaaaaaaa\r\n";
  const auto t = run(body_decoder::chunked(), {trailers});
  CHECK(t.failed);
  // Just under the limits both are fine.
  const std::string longest = "1;" + std::string(body_decoder::max_size_line - 3, 'x') + "\r\nz\r\n0\r\n\r\n";
  const auto ok = run(body_decoder::chunked(), {longest});
  CHECK_FALSE(ok.failed);
  CHECK(ok.done);
  CHECK(ok.body == "z");
}

TEST_CASE("body decoder: the connection's end completes a close-delimited body and cuts the others", "[body_decoder]") {
  check_every_split([] { return body_decoder::until_close(); }, "{\"id\":\"x\"}", {"{\"id\":\"x\"}", true, false, ""}, true);
  const auto cut_chunked = run(body_decoder::chunked(), {"5\r\nabc"}, true);
  CHECK(cut_chunked.failed);
  CHECK(cut_chunked.body == "abc");
  const auto cut_length = run(body_decoder::length(10), {"abc"}, true);
  CHECK(cut_length.failed);
  const auto whole_length = run(body_decoder::length(3), {"abc"}, true);
  CHECK_FALSE(whole_length.failed);
  CHECK(whole_length.done);
}

TEST_CASE("body decoder: no body and an empty length are done at once", "[body_decoder]") {
  CHECK(body_decoder::none().done());
  CHECK(body_decoder::length(0).done());
  CHECK_FALSE(body_decoder::chunked().done());
}
