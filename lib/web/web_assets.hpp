// The chat page's files, embedded in the binary at build time by embed_assets.cmake (the page in
// lib/web/page, its libraries from npm through package-lock.json): nothing to deploy. Every file
// but the page itself is named by its content hash, so it can be cached for good.
// Threading: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace gateway::web {

struct web_asset {
  std::string_view path;          // "/" or "/assets/NAME.HASH.EXT"
  std::string_view content_type;  // with charset for text
  std::string_view body;
  std::string_view gzipped;       // gzip -9 of body; empty when it would not be smaller
  std::string_view etag;          // quoted, from the content hash
  std::string_view etag_gzip;     // the gzipped reply's own tag
  bool immutable;                 // content-hashed name: cache for a year
};

/// Every embedded file, the page ("/") first.
std::span<const web_asset> web_assets();

}  // namespace gateway::web
