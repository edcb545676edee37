// W3C trace context (lib/trace/trace_context): what a client's traceparent must be to be passed
// on, new traces, and what of a tracestate may reach an upstream request's head.
#include "trace/trace_context.hpp"

#include <catch2/catch.hpp>

#include <array>
#include <string>

using namespace gateway;

namespace {
const std::string valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
}

TEST_CASE("trace context: a valid version-00 traceparent is read and written back as it came",
          "[trace]") {
  const auto t = parse_traceparent(valid);
  REQUIRE(t);
  CHECK(t->trace_id_text() == "4bf92f3577b34da6a3ce929d0e0e4736");
  CHECK(std::string(t->parent_id.data(), 16) == "00f067aa0ba902b7");
  CHECK(t->sampled);
  CHECK(t->traceparent() == valid);
  const auto unsampled = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  REQUIRE(unsampled);
  CHECK_FALSE(unsampled->sampled);
}

TEST_CASE("trace context: a later version is read by 00's rules and passed on as 00", "[trace]") {
  // The recommendation: parse what 00 defines, ignore what follows a '-' after it.
  const auto t = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09-what-else");
  REQUIRE(t);
  CHECK(t->traceparent() == valid);  // flags other than sampled are not passed on
  CHECK(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
  CHECK_FALSE(parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x"));
}

TEST_CASE("trace context: every malformed traceparent is refused", "[trace]") {
  for (const std::string& bad : std::initializer_list<std::string>{
           std::string(),
           std::string("00"),
           valid + " ",                                                  // 00 is exactly 55
           valid.substr(0, 54),                                          // cut
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // version ff is invalid
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // all-zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // all-zero parent id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0g",    // not hex
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
           "0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\r\nX-Evil: 1",
           std::string("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0\0", 55),
       }) {
    INFO(bad);
    CHECK_FALSE(parse_traceparent(bad));
  }
}

TEST_CASE("trace context: a new trace is hex of the random bytes, not sampled, never all zeros",
          "[trace]") {
  std::array<unsigned char, 24> random{};
  for (std::size_t i = 0; i < random.size(); ++i) random[i] = static_cast<unsigned char>(0xa0 + i);
  const auto t = new_trace(random);
  CHECK(t.trace_id_text() == "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  CHECK(std::string(t.parent_id.data(), 16) == "b0b1b2b3b4b5b6b7");
  CHECK_FALSE(t.sampled);
  CHECK(parse_traceparent(t.traceparent()));  // what it writes, a reader takes
  random.fill(0);
  const auto zeros = new_trace(random);
  CHECK(zeros.trace_id_text() == "00000000000000000000000000000001");
  CHECK(parse_traceparent(zeros.traceparent()));
}

TEST_CASE("trace context: a tracestate is passed on only when bounded and printable", "[trace]") {
  CHECK(forwardable_tracestate("congo=t61rcWkgMzE"));
  CHECK(forwardable_tracestate("rojo=00f067aa0ba902b7, congo=t61rcWkgMzE"));
  CHECK(forwardable_tracestate(std::string(tracestate_limit, 'a')));
  CHECK_FALSE(forwardable_tracestate(""));
  CHECK_FALSE(forwardable_tracestate(std::string(tracestate_limit + 1, 'a')));
  CHECK_FALSE(forwardable_tracestate("a=1\r\nX-Evil: 1"));
  CHECK_FALSE(forwardable_tracestate(std::string("a=1\0", 4)));
  CHECK_FALSE(forwardable_tracestate("a=\x7f"));
  CHECK_FALSE(forwardable_tracestate("a=\xc3\xbc"));  // UTF-8: not in a header this way
  std::string members = "a=1";
  for (int i = 0; i < 31; ++i) members += ",a=1";
  CHECK(forwardable_tracestate(members));  // 32 list members
  CHECK_FALSE(forwardable_tracestate(members + ",a=1"));
}

TEST_CASE("trace context: the upstream request's header lines", "[trace]") {
  const auto t = *parse_traceparent(valid);
  CHECK(upstream_trace_fields(t, "") == "traceparent: " + valid + "\r\n");
  CHECK(upstream_trace_fields(t, "a=1") == "traceparent: " + valid + "\r\ntracestate: a=1\r\n");
}
