// lib/trace/request_spans: the server span under the client's span, children under it, distinct
// non-zero span ids, attributes replaced by key, failures with error.type, open spans ended by
// finish(), at most max_spans spans (then `none`, and every call with it does nothing), and links
// to another request's span made from its context.
#include "trace/request_spans.hpp"
#include "trace/trace_context.hpp"

#include <catch2/catch.hpp>

#include "support/trace_ids.hpp"

#include <set>
#include <string>

using namespace gateway;

namespace {
using test::hex_id;
const auto trace = hex_id<32>("4bf92f3577b34da6a3ce929d0e0e4736");
}  // namespace

TEST_CASE("request_spans: a server span, its children, ids, attributes and failures", "[trace][spans]") {
  request_spans spans(trace, hex_id<16>("00f067aa0ba902b7"), 42, "POST /chat");
  const auto lookup = spans.start("gateway.cache.lookup");
  spans.set(lookup, "gateway.cache.result", std::string("MISS"));
  spans.set(lookup, "gateway.cache.result", std::string("HIT"));  // replaced, not repeated
  spans.end(lookup);
  const auto call = spans.start("chat m", span_kind::client);
  spans.event(call, "first_byte");
  spans.fail(call, "upstream_timeout", "no answer");
  const auto out = spans.finish();
  REQUIRE(out.size() == 3);
  CHECK(out[0].name == "POST /chat");
  CHECK(out[0].kind == span_kind::server);
  CHECK(std::string_view(out[0].parent_span_id.data(), 16) == "00f067aa0ba902b7");
  CHECK(out[1].parent_span_id == out[0].span_id);
  CHECK(out[2].parent_span_id == out[0].span_id);
  CHECK(out[1].attributes.size() == 1);
  CHECK(std::get<std::string>(out[1].attributes[0].value) == "HIT");
  CHECK(out[2].kind == span_kind::client);
  CHECK(out[2].status == span_status::error);
  CHECK(out[2].status_message == "no answer");
  CHECK(out[2].events.size() == 1);
  for (const auto& s : out) {
    CHECK(s.trace_id == trace);
    CHECK(s.end_ns >= s.start_ns);  // finish() ended the ones still open
    CHECK(std::string_view(s.span_id.data(), 16) != "0000000000000000");
  }
  CHECK(out[0].span_id != out[1].span_id);
  CHECK(out[1].span_id != out[2].span_id);
}

TEST_CASE("request_spans: a new trace's server span is a root", "[trace][spans]") {
  request_spans spans(trace, std::nullopt, 7, "GET");
  CHECK_FALSE(spans.finish().front().has_parent());
}

TEST_CASE("request_spans: at most max_spans, then none and nothing", "[trace][spans]") {
  request_spans spans(trace, std::nullopt, 1, "POST /chat");
  std::set<std::string> ids;
  for (std::size_t i = 1; i < request_spans::max_spans; ++i) {
    const auto s = spans.start("retry");
    REQUIRE(s != request_spans::none);
    ids.insert(std::string(spans.id(s).data(), 16));
  }
  CHECK(ids.size() == request_spans::max_spans - 1);
  const auto past = spans.start("one too many");
  CHECK(past == request_spans::none);
  spans.set(past, "k", true);
  spans.event(past, "e");
  spans.fail(past, "t");
  spans.end(past);
  CHECK(spans.start("child of none", span_kind::internal, past) == request_spans::none);
  CHECK(spans.finish().size() == request_spans::max_spans);
}

TEST_CASE("request_spans: a span's context reads back as a link, and links stop at max_links",
          "[trace][spans]") {
  request_spans leader(trace, std::nullopt, 3, "POST /chat");
  const auto text = leader.context(request_spans::server);
  const auto ctx = parse_traceparent(text);
  REQUIRE(ctx);
  CHECK(ctx->trace_id == trace);
  CHECK(ctx->parent_id == leader.id(request_spans::server));
  CHECK(ctx->sampled);

  request_spans follower(hex_id<32>("5bf92f3577b34da6a3ce929d0e0e4737"), std::nullopt, 4, "POST /chat");
  const auto wait = follower.start("gateway.coalesce.wait");
  for (std::size_t i = 0; i < request_spans::max_links + 3; ++i) follower.link(wait, {ctx->trace_id, ctx->parent_id});
  follower.link(request_spans::none, {ctx->trace_id, ctx->parent_id});  // nothing
  const auto out = follower.finish();
  CHECK(out[0].links.empty());
  REQUIRE(out[1].links.size() == request_spans::max_links);
  CHECK(out[1].links[0].trace_id == trace);
  CHECK(out[1].links[0].span_id == leader.id(request_spans::server));
}

TEST_CASE("request_spans: a context that is not a valid traceparent makes no link", "[trace][spans][hostile]") {
  // What a follower reads from a Redis lock's value is checked before it becomes a link.
  request_spans spans(trace, std::nullopt, 5, "POST /chat");
  const auto wait = spans.start("gateway.coalesce.claim");
  const std::string valid = "00-" + std::string(32, 'a') + "-" + std::string(16, 'b') + "-01";
  for (const std::string& bad : {std::string(), std::string("node-7"), std::string(300, 'x'),
                                "00-" + std::string(32, 'A') + "-" + std::string(16, 'b') + "-01",  // uppercase
                                "00-" + std::string(32, '0') + "-" + std::string(16, 'b') + "-01",  // zero trace
                                "00-" + std::string(32, 'a') + "-" + std::string(16, '0') + "-01",  // zero span
                                valid.substr(0, 54), valid + "x", "ff" + valid.substr(2)})
    spans.link(wait, bad);
  CHECK(spans.finish()[1].links.empty());
}
