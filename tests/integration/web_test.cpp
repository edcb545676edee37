// The chat page and its files as HTTP sees them: every file the page names is served, gzipped
// when accepted (and the same bytes once unzipped), revalidated with 304, cached for good under a
// hashed name, with the security headers; WEB_UI=false leaves / unrouted.
#include "support/test_env.hpp"
#include "web/web_assets.hpp"
#include "web/web_handler.hpp"

#include <boost/beast/zlib/inflate_stream.hpp>
#include <catch2/catch.hpp>

#include <regex>

using namespace test;

namespace {

// The body of a `gzip -n` file: its 10-byte header, raw deflate, then CRC and length.
std::string gunzip(const std::string& gz) {
  REQUIRE(gz.size() > 18);
  REQUIRE(static_cast<unsigned char>(gz[0]) == 0x1f);
  REQUIRE(static_cast<unsigned char>(gz[1]) == 0x8b);
  REQUIRE(gz[3] == 0);  // no name, comment or extra field
  boost::beast::zlib::inflate_stream inflate;
  std::string out(1 << 20, '\0');
  boost::beast::zlib::z_params zs;
  zs.next_in = gz.data() + 10;
  zs.avail_in = gz.size() - 18;
  zs.next_out = out.data();
  zs.avail_out = out.size();
  boost::system::error_code ec;
  inflate.write(zs, boost::beast::zlib::Flush::finish, ec);
  CHECK((ec == boost::beast::zlib::error::end_of_stream || !ec));
  out.resize(zs.total_out);
  return out;
}

void check_security_headers(const http_result& r) {
  CHECK(r.headers.at("content-security-policy") == gateway::web::content_security_policy);
  CHECK(r.headers.at("content-security-policy").find("frame-ancestors 'none'") != std::string::npos);
  CHECK(r.headers.at("x-content-type-options") == "nosniff");
  CHECK(r.headers.at("referrer-policy") == "no-referrer");
}

}  // namespace

TEST_CASE("web: the page and every file it names", "[integration][web]") {
  test_env env;
  const auto page = env.request("GET", "/", {}, {});
  REQUIRE(page.status == 200);
  CHECK(page.headers.at("content-type") == "text/html; charset=utf-8");
  CHECK(page.headers.at("cache-control") == "no-cache");  // revalidated: a new build's page shows at once
  CHECK(page.body.find("<html lang=\"tr\">") != std::string::npos);
  CHECK(page.body.find("<script>") == std::string::npos);  // nothing inline: the CSP allows none
  check_security_headers(page);

  const std::regex named("/assets/[a-z_.]+\\.[0-9a-f]{12}\\.(js|css|svg)");
  std::vector<std::string> files;
  for (std::sregex_iterator it(page.body.begin(), page.body.end(), named), end; it != end; ++it) files.push_back(it->str());
  CHECK(files.size() == gateway::web::web_assets().size() - 1);  // every file but the page itself
  for (const auto& path : files) {
    INFO(path);
    const auto r = env.request("GET", path, {}, {});
    CHECK(r.status == 200);
    CHECK(r.headers.at("cache-control") == "public, max-age=31536000, immutable");
    CHECK(r.headers.count("etag") == 1);
    check_security_headers(r);
    const auto type = r.headers.at("content-type");
    if (path.ends_with(".js")) CHECK(type == "text/javascript; charset=utf-8");
    if (path.ends_with(".css")) CHECK(type == "text/css; charset=utf-8");
    if (path.ends_with(".svg")) CHECK(type == "image/svg+xml");
  }
  // Imports between modules name hashed files too.
  for (const auto& asset : gateway::web::web_assets())
    if (asset.path.ends_with(".js")) CHECK(std::string(asset.body).find("from \"./app.js\"") == std::string::npos);
  CHECK(env.request("GET", "/assets/app.js", {}, {}).status == 404);
  CHECK(env.request("POST", "/", "x", {}).status == 405);
}

TEST_CASE("web: gzip when accepted (the same bytes unzipped), 304 for a current copy, HEAD", "[integration][web]") {
  test_env env;
  const auto plain = env.request("GET", "/", {}, {});
  const auto gz = env.request("GET", "/", {}, {{"accept-encoding", "gzip, deflate, br"}});
  REQUIRE(gz.status == 200);
  CHECK(gz.headers.at("content-encoding") == "gzip");
  CHECK(gz.headers.at("vary") == "Accept-Encoding");
  CHECK(plain.headers.at("vary") == "Accept-Encoding");
  CHECK(plain.headers.count("content-encoding") == 0);
  CHECK(gz.body.size() < plain.body.size());
  CHECK(gunzip(gz.body) == plain.body);
  CHECK(gz.headers.at("etag") != plain.headers.at("etag"));  // two representations, two tags
  CHECK(env.request("GET", "/", {}, {{"accept-encoding", "gzip;q=0"}}).headers.count("content-encoding") == 0);

  for (const auto& tag : {plain.headers.at("etag"), gz.headers.at("etag"), "W/" + plain.headers.at("etag")}) {
    const auto again = env.request("GET", "/", {}, {{"if-none-match", tag}});
    CHECK(again.status == 304);
    CHECK(again.body.empty());
    CHECK(again.headers.count("etag") == 1);
  }
  CHECK(env.request("GET", "/", {}, {{"if-none-match", "\"stale\""}}).status == 200);

  const auto head = env.request("HEAD", "/", {}, {});
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(head.headers.at("content-length") == std::to_string(plain.body.size()));
}

TEST_CASE("web: WEB_UI=false leaves the page out", "[integration][web]") {
  test_env env(with_gateway([](auto& c) { c.web_ui = false; }));
  CHECK(env.request("GET", "/", {}, {}).status == 404);
  const auto& asset = gateway::web::web_assets()[1];
  CHECK(env.request("GET", std::string(asset.path), {}, {}).status == 404);
  CHECK(env.request("GET", "/healthz", {}, {}).status == 200);
}
