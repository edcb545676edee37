// A request header's value by walking the request's fields in arrival order. A request has a
// handful of fields; Beast's own lookup (`req[field]`) searches its ordered set with a
// case-insensitive compare per node, and the cache-hit path makes several lookups (benchmark 9,
// the cache-hit path). Same answer as `req[...]`: the first field of that name, or "".
#pragma once

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

#include <algorithm>
#include <string_view>

namespace gateway {

/// The first field Beast knows by this name (its enum is stored with each field: no string
/// compare), or the fields' end.
template <class Fields>
auto find_header(const Fields& fields, boost::beast::http::field name) {
  return std::find_if(fields.begin(), fields.end(), [name](const auto& f) { return f.name() == name; });
}

template <class Fields>
std::string_view header_value(const Fields& fields, boost::beast::http::field name) {
  const auto it = find_header(fields, name);
  return it == fields.end() ? std::string_view{} : std::string_view((*it).value());
}

/// Whether the request has the field at all (an empty value counts).
template <class Fields>
bool has_header(const Fields& fields, boost::beast::http::field name) {
  return find_header(fields, name) != fields.end();
}

/// A field by its name, for names Beast has no enum for (x-request-id, x-forwarded-for).
template <class Fields>
std::string_view header_value(const Fields& fields, std::string_view name) {
  for (const auto& f : fields) {
    const auto n = f.name_string();
    if (n.size() == name.size() && boost::beast::iequals(n, name)) return f.value();
  }
  return {};
}

}  // namespace gateway
