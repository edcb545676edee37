// The two header decisions of serving a static file, pure and unit-tested: may the reply be
// gzipped (Accept-Encoding), and does the client's copy still hold (If-None-Match).
#pragma once

#include <string_view>

namespace gateway::web {

/// Whether `accept_encoding` lets the reply be gzipped: "gzip" (or "x-gzip", or "*") with a
/// q-value above 0, and gzip not refused by name ("gzip;q=0, *" refuses it).
bool accepts_gzip(std::string_view accept_encoding);

/// Whether `if_none_match` ("*" or a list of entity tags) names `etag`, by weak comparison
/// (RFC 9110 13.1.2: a W/ prefix is ignored).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

}  // namespace gateway::web
