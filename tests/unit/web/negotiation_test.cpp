#include "web/negotiation.hpp"

#include <catch2/catch.hpp>

using namespace gateway::web;

TEST_CASE("web: Accept-Encoding lets a reply be gzipped", "[web]") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("gzip, deflate, br, zstd"));  // Chromium's
  CHECK(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  CHECK(accepts_gzip("x-gzip"));
  CHECK(accepts_gzip("*"));
  CHECK(accepts_gzip("gzip;q=0.001"));
  CHECK(accepts_gzip("gzip ; q=1"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("identity"));
  CHECK_FALSE(accepts_gzip("br, deflate"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.000"));
  CHECK_FALSE(accepts_gzip("gzip;q=0, *"));  // refused by name, whatever * says
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=abc"));   // unreadable: not assumed
  CHECK_FALSE(accepts_gzip("gzipped"));
}

TEST_CASE("web: If-None-Match names the entity tag", "[web]") {
  CHECK(etag_matches("\"abc\"", "\"abc\""));
  CHECK(etag_matches("W/\"abc\"", "\"abc\""));  // weak comparison
  CHECK(etag_matches("\"x\", \"abc\"", "\"abc\""));
  CHECK(etag_matches("*", "\"abc\""));
  CHECK_FALSE(etag_matches("", "\"abc\""));
  CHECK_FALSE(etag_matches("\"abcd\"", "\"abc\""));
  CHECK_FALSE(etag_matches("abc", "\"abc\""));
}
