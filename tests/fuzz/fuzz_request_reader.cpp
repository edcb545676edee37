// libFuzzer target: the client request reader (lib/http/request_reader) against Beast's
// request_parser<string_body>, which it replaced. Any input as the bytes of a request, fed whole
// and cut at a point taken from the input, gives both the same error, the same progress and, once
// the header is read, the same method, target, version, keep-alive, fields and body.
// Then the input as a connection (check_connection): requests read one after another the way
// serve_http reads them - a read buffer of read_buffer_limit bytes, its framing rules
// (http/framing) - until one is refused, after which nothing more is read (serve_http closes).
// The property: a request that is answered was framed unambiguously - no Transfer-Encoding and not
// chunked, or a Transfer-Encoding that a strict reading takes for exactly one `chunked` and the
// parser frames as chunked - and Beast's own parser ends it at the same byte with the same body.
// So every request answered on a connection starts where any reader would put it, and a request
// hidden in a body is never answered (issue 35: `;, chunked` was refused, then its body answered
// as a second request).
#include "http/framing.hpp"
#include "http/request_reader.hpp"
#include "../support/parser_feed.hpp"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace beast = boost::beast;

namespace {

template <class Parser>
boost::beast::error_code feed(Parser& p, std::string_view bytes, std::size_t cut) {
  p.header_limit(1024);
  p.body_limit(256);
  return gateway::testing::feed(p, bytes, cut);
}

// The fields grouped by name (any case), in arrival order within a name: Beast's container puts a
// field after the last one of its name, the reader keeps the order they came in.
template <class Fields>
std::vector<std::string> fields_of(const Fields& fields) {
  std::vector<std::array<std::string, 3>> all;
  for (const auto& f : fields)
    all.push_back({std::to_string(static_cast<int>(f.name())), std::string(f.name_string()), std::string(f.value())});
  const auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::stable_sort(all.begin(), all.end(), [&](const auto& a, const auto& b) { return lower(a[1]) < lower(b[1]); });
  std::vector<std::string> out;
  for (auto& f : all) out.insert(out.end(), f.begin(), f.end());
  return out;
}

void check(std::string_view bytes, std::size_t cut, gateway::inbound_request& request) {
  beast::http::request_parser<beast::http::string_body> beast_parser;
  const auto beast_ec = feed(beast_parser, bytes, cut);
  gateway::request_reader reader(request);
  const auto ec = feed(reader, bytes, cut);
  if (ec != beast_ec || reader.is_header_done() != beast_parser.is_header_done() ||
      reader.is_done() != beast_parser.is_done())
    std::abort();
  if (!reader.is_header_done()) return;
  const auto& expected = beast_parser.get();
  if (request.method() != expected.method() || request.method_string() != expected.method_string() ||
      request.target() != expected.target() || request.version() != expected.version() ||
      fields_of(request) != fields_of(expected))
    std::abort();
  if (request.keep_alive() != expected.keep_alive()) std::abort();
  if (reader.is_done() && request.body() != expected.body()) std::abort();
}

// A strict reading of the framing fields: every Transfer-Encoding list item, over all lines,
// trimmed; "chunked" alone (any case) is the only list it accepts.
bool strictly_chunked(const gateway::inbound_request& r) {
  std::vector<std::string> items;
  for (const auto f : r) {
    if (f.name() != beast::http::field::transfer_encoding) continue;
    std::string_view list = f.value();
    for (;;) {
      const auto comma = list.find(',');
      auto item = list.substr(0, comma);
      while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
      while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
      if (!item.empty()) items.emplace_back(item);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return items.size() == 1 && boost::beast::iequals(items[0], "chunked");
}

bool has_field(const gateway::inbound_request& r, beast::http::field name) {
  for (const auto f : r)
    if (f.name() == name) return true;
  return false;
}

void check_connection(std::string_view bytes, gateway::inbound_request& request) {
  gateway::serve_limits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 256;
  limits.read_slack = 128;
  const auto window = gateway::read_buffer_limit(limits);
  std::size_t at = 0;  // the first byte not yet taken from the connection
  while (at < bytes.size()) {
    const auto start = at;
    gateway::request_reader parser(request);
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    // Feeds what the read buffer holds (at most `window` bytes past `at`) until the parser takes
    // nothing more; the header alone first, as serve_http checks it before any body byte.
    const auto put = [&](bool header_only, boost::system::error_code& ec) {
      for (;;) {
        const auto held = std::min(window, bytes.size() - at);
        const auto n = parser.put(boost::asio::buffer(bytes.data() + at, held), ec);
        if (n > held) std::abort();
        at += n;
        if (ec == beast::http::error::need_more) {
          ec = {};
          // A full buffer the parser cannot finish a line in: serve_http's read fails so.
          if (n == 0 && held == window) ec = beast::http::error::buffer_overflow;
          if (n == 0) return false;  // wait for bytes that never come, or overflow
        }
        if (ec || parser.is_done() || (header_only && parser.is_header_done())) return true;
        if (n == 0) return false;
      }
    };
    boost::system::error_code ec;
    const bool header_read = put(true, ec) && !ec && parser.is_header_done();
    if (!ec && !header_read) return;  // the bytes end inside the header: the connection waits
    gateway::framing_refusal refusal;
    if (!ec) {
      refusal.status = gateway::transfer_coding_problem(request, parser.chunked(), refusal.message);
      if (!refusal.status && !parser.is_done() && !put(false, ec) && !ec) return;  // the body is not all there
    }
    if (ec) {
      refusal = gateway::read_refusal(ec, parser.is_header_done(), limits);
      if (!refusal.status) return;  // ends silently
    }
    if (refusal.status) return;  // the refusal is the connection's last answer: nothing more is read
    if (!parser.is_done()) std::abort();
    // Answered: framed unambiguously.
    const bool has_te = has_field(request, beast::http::field::transfer_encoding);
    if (parser.chunked() != has_te) std::abort();
    if (has_te && (!strictly_chunked(request) || request.version() < 11 || has_field(request, beast::http::field::content_length)))
      std::abort();
    beast::http::request_parser<beast::http::string_body> beast_parser;
    beast_parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    beast_parser.body_limit(limits.max_body_bytes);
    boost::beast::error_code beast_ec;
    // Fed as the connection fed ours: at most the read buffer's window at a time. Beast's header
    // limit is counted per put(), so a header fed whole and the same header fed through the
    // window may be judged apart; the window is what a connection sees.
    std::size_t taken = 0;  // put() takes one step at a time (the header, a chunk line, a piece of body)
    while (!beast_ec && !beast_parser.is_done() && taken < at - start) {
      const auto held = std::min(window, at - start - taken);
      const auto n = beast_parser.put(boost::asio::buffer(bytes.data() + taken + start, held), beast_ec);
      if (beast_ec == beast::http::error::need_more) beast_ec = {};
      if (n == 0) break;
      taken += n;
    }
    if (beast_ec || !beast_parser.is_done() || taken != at - start || beast_parser.get().body() != request.body())
      std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  gateway::inbound_request request;  // reused, as a connection does
  check(bytes, bytes.size(), request);
  check(bytes, bytes.empty() ? 0 : data[0] % (bytes.size() + 1), request);
  check_connection(bytes, request);
  return 0;
}
