// libFuzzer target: the client request reader (lib/http/request_reader) against Beast's
// request_parser<string_body>, which it replaced. Any input as the bytes of a request, fed whole
// and cut at a point taken from the input, gives both the same error, the same progress and, once
// the header is read, the same method, target, version, keep-alive, fields and body.
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

namespace http = boost::beast::http;

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
  http::request_parser<http::string_body> beast_parser;
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  gateway::inbound_request request;  // reused, as a connection does
  check(bytes, bytes.size(), request);
  check(bytes, bytes.empty() ? 0 : data[0] % (bytes.size() + 1), request);
  return 0;
}
