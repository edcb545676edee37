#include "sse/sse_parser.hpp"

#include <catch2/catch.hpp>

using gateway::sse_event;
using gateway::sse_parser;

namespace {

std::vector<sse_event> feed_split(std::string_view stream, std::vector<std::size_t> cuts) {
  sse_parser p;
  std::vector<sse_event> out;
  std::size_t pos = 0;
  cuts.push_back(stream.size());
  for (auto cut : cuts) {
    REQUIRE(p.feed(stream.substr(pos, cut - pos)));
    pos = cut;
    while (auto ev = p.next()) out.push_back(*ev);
  }
  return out;
}

// A Groq-like stream: Turkish letters and emoji, CRLF and LF line ends, a comment, a multi-line
// event and the closing [DONE].
const std::string groq_stream =
    "data: {\"choices\":[{\"delta\":{\"content\":\"Borsa İstanbul\"}}]}\r\n\r\n"
    ": keep-alive\n\n"
    "data: {\"choices\":[{\"delta\":{\"content\":\" yükseldi 📈 ğüşıöç\"}}]}\n\n"
    "event: note\r\ndata: line one\r\ndata: line two\r\n\r\n"
    "data: [DONE]\n\n";

}  // namespace

TEST_CASE("sse_parser: same events whatever the split point", "[sse]") {
  const auto whole = feed_split(groq_stream, {});
  REQUIRE(whole.size() == 4);
  CHECK(whole[0].data == "{\"choices\":[{\"delta\":{\"content\":\"Borsa İstanbul\"}}]}");
  CHECK(whole[1].data == "{\"choices\":[{\"delta\":{\"content\":\" yükseldi 📈 ğüşıöç\"}}]}");
  CHECK(whole[2].type == "note");
  CHECK(whole[2].data == "line one\nline two");
  CHECK(whole[3].data == "[DONE]");

  // Every single split point (inside UTF-8 sequences, between \r and \n, inside field names).
  for (std::size_t cut = 0; cut <= groq_stream.size(); ++cut) {
    INFO("cut at " << cut);
    const auto events = feed_split(groq_stream, {cut});
    REQUIRE(events.size() == whole.size());
    for (std::size_t i = 0; i < events.size(); ++i) {
      CHECK(events[i].data == whole[i].data);
      CHECK(events[i].type == whole[i].type);
    }
  }
}

TEST_CASE("sse_parser: byte by byte and every pair of split points", "[sse]") {
  std::vector<std::size_t> every;
  for (std::size_t i = 1; i < groq_stream.size(); ++i) every.push_back(i);
  const auto one_by_one = feed_split(groq_stream, every);
  REQUIRE(one_by_one.size() == 4);
  CHECK(one_by_one[1].data.find("📈") != std::string::npos);

  const std::string short_stream = "data: ğ😀\r\n\r\ndata: x\r\r";
  for (std::size_t a = 0; a <= short_stream.size(); ++a)
    for (std::size_t b = a; b <= short_stream.size(); ++b) {
      const auto events = feed_split(short_stream, {a, b});
      REQUIRE(events.size() == 2);
      CHECK(events[0].data == "ğ😀");
      CHECK(events[1].data == "x");
    }
}

TEST_CASE("sse_parser: CR alone ends a line, CRLF split across feeds is one line end", "[sse]") {
  sse_parser p;
  REQUIRE(p.feed("data: a\r"));
  CHECK_FALSE(p.next());
  REQUIRE(p.feed("\n"));
  CHECK_FALSE(p.next());  // the \n belonged to the \r: no blank line yet
  REQUIRE(p.feed("\r\n"));
  auto ev = p.next();
  REQUIRE(ev);
  CHECK(ev->data == "a");
}

TEST_CASE("sse_parser: fields without data, comments and field details", "[sse]") {
  const auto events = feed_split("id: 7\n\n:comment only\n\ndata\n\ndata:no-space\n\nretry: 10\nunknown: x\ndata:  two spaces\n\n", {});
  REQUIRE(events.size() == 3);
  CHECK(events[0].data.empty());  // "data" with no colon is a data field with an empty value
  CHECK(events[1].data == "no-space");
  CHECK(events[2].data == " two spaces");  // only one leading space is stripped
}

TEST_CASE("sse_parser: an incomplete event stays pending", "[sse]") {
  sse_parser p;
  REQUIRE(p.feed("data: partial"));
  CHECK_FALSE(p.next());
  CHECK(p.has_partial());
  REQUIRE(p.feed("\n"));
  CHECK_FALSE(p.next());
  CHECK(p.has_partial());
}

TEST_CASE("sse_parser: an event larger than the bound fails instead of growing", "[sse]") {
  sse_parser p(64);
  CHECK(p.feed("data: " + std::string(40, 'x')));
  CHECK_FALSE(p.feed(std::string(40, 'y')));
  CHECK(p.failed());
  CHECK_FALSE(p.next());
}
