#include "redis/redis_address.hpp"
#include "redis/resp.hpp"

#include <catch2/catch.hpp>

using namespace gateway::redis;
using kind = resp_value::kind;

TEST_CASE("resp: commands are arrays of bulk strings", "[redis]") {
  std::string out;
  append_command(out, {"SET", "k", "a\r\nb", ""});
  CHECK(out == "*4\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n$0\r\n\r\n");
  append_command(out, {"PING"});  // pipelining is appending
  CHECK(out.ends_with("*1\r\n$4\r\nPING\r\n"));
}

TEST_CASE("resp: every reply type, at every split point and byte by byte", "[redis]") {
  const std::string wire =
      "+OK\r\n-ERR wrong type\r\n:-42\r\n$5\r\nhé\r\n\r\n$-1\r\n*-1\r\n$0\r\n\r\n"
      "*2\r\n*2\r\n$2\r\nid\r\n*2\r\n$1\r\nd\r\n$4\r\nşü\r\n:7\r\n*0\r\n";
  const auto check = [](const std::vector<resp_value>& v) {
    REQUIRE(v.size() == 9);
    CHECK((v[0].type == kind::simple && v[0].text == "OK"));
    CHECK((v[1].is_error() && v[1].text == "ERR wrong type"));
    CHECK((v[2].type == kind::integer && v[2].integer == -42));
    CHECK((v[3].type == kind::bulk && v[3].text == "hé\r\n"));  // binary-safe: CRLF inside
    CHECK(v[4].is_null());
    CHECK(v[5].is_null());
    CHECK((v[6].type == kind::bulk && v[6].text.empty()));
    REQUIRE(v[7].type == kind::array);
    REQUIRE(v[7].items.size() == 2);
    CHECK(v[7].items[0].items[1].items[1].text == "şü");
    CHECK(v[7].items[1].integer == 7);
    CHECK((v[8].type == kind::array && v[8].items.empty()));
  };
  for (std::size_t cut = 0; cut <= wire.size(); ++cut) {
    INFO("cut at " << cut);
    resp_parser p;
    std::vector<resp_value> out;
    REQUIRE(p.feed(std::string_view(wire).substr(0, cut), out));
    REQUIRE(p.feed(std::string_view(wire).substr(cut), out));
    check(out);
    CHECK(p.buffered() == 0);
  }
  resp_parser p;
  std::vector<resp_value> out;
  for (char c : wire) REQUIRE(p.feed(std::string_view(&c, 1), out));
  check(out);
}

TEST_CASE("resp: protocol errors and bounds", "[redis]") {
  std::vector<resp_value> out;
  CHECK_FALSE(resp_parser().feed("?x\r\n", out));
  CHECK_FALSE(resp_parser().feed(":12a\r\n", out));
  CHECK_FALSE(resp_parser().feed("$3\r\nabcd\r\n", out));  // no CRLF where the length says
  CHECK_FALSE(resp_parser().feed("$-2\r\n", out));
  CHECK_FALSE(resp_parser(1024).feed("$2000\r\n", out));    // larger than the bound: refused at once
  CHECK_FALSE(resp_parser(1024).feed("*1000\r\n", out));
  resp_parser deep(1024, 3);
  CHECK_FALSE(deep.feed("*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n", out));
  // A huge count with few bytes waits without allocating for the count.
  resp_parser waiting;
  CHECK(waiting.feed("*100000\r\n:1\r\n", out));
  CHECK(out.empty());
  // A line that never ends is bounded too.
  resp_parser endless(1024);
  CHECK_FALSE(endless.feed("+" + std::string(2000, 'x'), out));
}

TEST_CASE("redis address: redis:// and unix: forms", "[redis]") {
  std::string why;
  auto a = parse_redis_url("redis://127.0.0.1:6380/2", why);
  REQUIRE(a);
  CHECK((a->host == "127.0.0.1" && a->port == 6380 && a->db == 2));
  a = parse_redis_url("redis://:s3cret@cache.local", why);
  REQUIRE(a);
  CHECK((a->host == "cache.local" && a->port == 6379 && a->password == "s3cret" && a->user.empty()));
  CHECK(a->describe().find("s3cret") == std::string::npos);
  a = parse_redis_url("redis://app:pw@[::1]:7000", why);
  REQUIRE(a);
  CHECK((a->host == "::1" && a->port == 7000 && a->user == "app" && a->password == "pw"));
  a = parse_redis_url("unix:/run/redis.sock", why);
  REQUIRE(a);
  CHECK(a->unix_path == "/run/redis.sock");
  CHECK(parse_redis_url("unix:///tmp/r.sock", why)->unix_path == "/tmp/r.sock");
  for (auto bad : {"http://x", "redis://", "redis://h:0", "redis://h:99999", "redis://h:x", "redis://h/db",
                   "unix:relative", "rediss://h", "redis://[::1"}) {
    INFO(bad);
    CHECK_FALSE(parse_redis_url(bad, why));
    CHECK_FALSE(why.empty());
  }
}
