#include "web/negotiation.hpp"

#include "core/text.hpp"

#include <boost/beast/core/string.hpp>

namespace gateway::web {
namespace {

// Calls f(item) for each comma-separated item, trimmed of optional white space.
template <class F>
void for_each_item(std::string_view list, F f) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    const auto item = trim_ows(list.substr(0, comma));
    list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
    if (!item.empty()) f(item);
  }
}

// Whether the q-value in the parameters of "coding;q=0.5" is above 0: yes without one, no when
// it is unreadable (qvalue = "0" [ "." 0*3DIGIT ] / "1" [ "." 0*3"0" ]).
bool wanted(std::string_view params) {
  while (!params.empty()) {
    const auto semi = params.find(';');
    const auto p = trim_ows(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
    if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
    const auto v = p.substr(2);
    if (v.starts_with('1')) return true;
    return v.starts_with('0') && v.find_first_of("123456789") != std::string_view::npos;
  }
  return true;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  int gzip = -1, star = -1;  // -1: not named; 0: refused; 1: accepted
  for_each_item(accept_encoding, [&](std::string_view item) {
    const auto semi = item.find(';');
    const auto coding = trim_ows(item.substr(0, semi));
    const int ok = wanted(semi == std::string_view::npos ? std::string_view{} : item.substr(semi + 1));
    if (boost::beast::iequals(coding, "gzip") || boost::beast::iequals(coding, "x-gzip")) gzip = std::max(gzip, ok);
    else if (coding == "*") star = ok;
  });
  return gzip == -1 ? star == 1 : gzip == 1;
}

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  const auto strip_weak = [](std::string_view tag) { return tag.starts_with("W/") ? tag.substr(2) : tag; };
  bool found = false;
  for_each_item(if_none_match, [&](std::string_view tag) {
    if (tag == "*" || strip_weak(tag) == strip_weak(etag)) found = true;
  });
  return found;
}

}  // namespace gateway::web
