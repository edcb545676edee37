#include "cluster/piece_sequence.hpp"

#include <catch2/catch.hpp>

using gateway::cluster::piece_sequence;

namespace {
// Feeds n/d pairs numbered as given; false at the first one refused.
bool feed(piece_sequence& s, std::initializer_list<std::string_view> numbers) {
  for (const auto n : numbers)
    if (!s.number(n) || !s.piece()) return false;
  return true;
}
}  // namespace

TEST_CASE("piece sequence: pieces numbered in order, ended with their count, are whole",
          "[cluster][unit]") {
  piece_sequence s;
  REQUIRE(feed(s, {"0", "1", "2"}));
  CHECK(s.pieces() == 3);
  CHECK(s.end("3"));
  piece_sequence empty;
  CHECK(empty.end("0"));  // an empty body
}

TEST_CASE("piece sequence: a piece lost in the middle is a gap", "[cluster][unit]") {
  piece_sequence s;
  REQUIRE(feed(s, {"0", "1"}));
  CHECK_FALSE(s.number("3"));
  piece_sequence repeated;
  REQUIRE(feed(repeated, {"0", "1"}));
  CHECK_FALSE(repeated.number("1"));  // a piece twice is not the answer either
  piece_sequence first_lost;
  CHECK_FALSE(first_lost.number("1"));
}

TEST_CASE("piece sequence: a lost last piece shows in the end's count", "[cluster][unit]") {
  piece_sequence s;
  REQUIRE(feed(s, {"0", "1"}));
  CHECK_FALSE(s.end("3"));
  CHECK_FALSE(s.end("1"));
  CHECK(s.end("2"));
}

TEST_CASE("piece sequence: unnumbered pieces and unreadable numbers are refused",
          "[cluster][unit]") {
  piece_sequence s;
  CHECK_FALSE(s.piece());  // d without n: not a stream of this version
  for (const auto bad : {"", "x", "-1", "0x", " 0", "18446744073709551616"}) {
    piece_sequence t;
    INFO(bad);
    CHECK_FALSE(t.number(bad));
    CHECK_FALSE(t.end(bad));
  }
  piece_sequence half;
  REQUIRE(half.number("0"));
  CHECK_FALSE(half.number("1"));  // two numbers, no piece between
  CHECK_FALSE(half.end("0"));     // a number whose piece never came
}
