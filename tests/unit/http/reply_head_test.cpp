// The hand-written reply head (lib/http/reply_head) against Beast's serializer: for every status,
// version, keep-alive and set of fields the gateway writes, the same bytes as the message
// send_reply used to build (make_response, then the fields set in this order); and an SSE stream's
// head, the same bytes as the message the relay used to write with beast::http::async_write_header.
#include "http/reply_head.hpp"
#include "http/responses.hpp"

#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>

#include <sstream>
#include <vector>

using namespace gateway;

TEST_CASE("reply head: the bytes Beast's serializer writes for the same message", "[http][reply]") {
  const std::vector<std::pair<std::string, std::string>> limits{{"x-ratelimit-limit-requests", "10"},
                                                                {"x-ratelimit-remaining-requests", "0"}};
  for (const unsigned status : {200u, 400u, 401u, 404u, 405u, 413u, 429u, 499u, 500u, 502u, 503u, 504u})
    for (const unsigned version : {10u, 11u})
      for (const bool keep : {false, true})
        for (int variant = 0; variant < 4; ++variant) {
          const std::string body = variant == 3 ? "" : R"({"answer":"Borsa İstanbul 🚀"})";
          reply_fields f{variant == 2 ? "text/plain; version=0.0.4; charset=utf-8" : "application/json; charset=utf-8",
                         "req-00ab-7"};
          if (variant == 1) {
            f.allow = "POST";
            f.retry_after = "7";
            f.extra = limits;
          }
          if (variant == 0) {
            f.x_cache = "HIT";
            f.x_cache_match = "similar";
            f.server_timing = "cache;desc=HIT";
          }
          auto res = make_response(status, body, f.content_type, keep, version);
          res.set("x-request-id", f.request_id);
          if (!f.allow.empty()) res.set(beast::http::field::allow, f.allow);
          if (!f.retry_after.empty()) res.set(beast::http::field::retry_after, f.retry_after);
          if (!f.x_cache.empty()) res.set("x-cache", f.x_cache);
          if (!f.x_cache_match.empty()) res.set("x-cache-match", f.x_cache_match);
          if (!f.server_timing.empty()) res.set("Server-Timing", f.server_timing);
          for (const auto& [name, value] : f.extra) res.set(name, value);
          std::ostringstream beast;
          beast << res;
          fmt::memory_buffer head;
          append_reply_head(head, status, version, keep, body.size(), f);
          const auto ours = fmt::to_string(head) + body;
          INFO(status << " HTTP/1." << (version - 10) << " keep-alive " << keep << " variant " << variant);
          CHECK(ours == beast.str());
        }
}

// The head is written through a pointer into room reserved once (reply_head.cpp): every field at
// once, each value long, the largest numbers and many extra fields must fit it exactly - under ASan
// a byte past the room is a failure - and still be Beast's bytes; and a head appended after
// others keeps them.
TEST_CASE("reply head: every field at once, long values and the largest numbers fit the room it reserves",
          "[http][reply][hostile]") {
  std::vector<std::pair<std::string, std::string>> extra;
  for (int i = 0; i < 40; ++i) extra.emplace_back("x-extra-header-number-" + std::to_string(i), std::string(300, 'v'));
  const std::string id(64, 'i'), long_value(4000, 'x');
  for (const unsigned version : {10u, 11u})
    for (const bool keep : {false, true}) {
      reply_fields f{long_value, id, long_value, long_value, long_value, long_value, extra, long_value};
      const std::size_t length = static_cast<std::size_t>(-1);
      auto res = make_response(503, "", f.content_type, keep, version);
      res.set(beast::http::field::content_length, std::to_string(length));
      res.set("x-request-id", f.request_id);
      res.set(beast::http::field::allow, f.allow);
      res.set(beast::http::field::retry_after, f.retry_after);
      res.set("x-cache", f.x_cache);
      res.set("x-cache-match", f.x_cache_match);
      res.set("Server-Timing", f.server_timing);
      for (const auto& [name, value] : f.extra) res.set(name, value);
      std::ostringstream beast;
      beast << res.base();
      fmt::memory_buffer head;
      const std::string before = "what was there before";
      head.append(before.data(), before.data() + before.size());
      append_reply_head(head, 503, version, keep, length, f);
      INFO("HTTP/1." << (version - 10) << " keep-alive " << keep);
      CHECK(fmt::to_string(head) == before + beast.str());
    }
}

TEST_CASE("SSE head: the bytes Beast's serializer writes for the same message", "[http][reply][sse]") {
  for (const unsigned version : {10u, 11u})
    for (const bool keep : {false, true})
      for (int variant = 0; variant < 3; ++variant) {
        reply_fields f{{}, "req-00ab-7"};
        if (variant >= 1) f.x_cache = "HIT";
        if (variant == 2) f.x_cache_match = "similar";
        if (variant == 2) f.server_timing = R"(cache;desc=MISS, upstream;desc="first byte";dur=1.250)";
        // The message the stream's head was built as before: chunked and kept alive only on HTTP/1.1.
        const bool chunked = version >= 11;
        beast::http::response<beast::http::empty_body> res{beast::http::status::ok, version};
        res.set(beast::http::field::server, "chat-gateway");
        res.set(beast::http::field::content_type, "text/event-stream; charset=utf-8");
        res.set(beast::http::field::cache_control, "no-cache");
        res.set("x-accel-buffering", "no");
        res.keep_alive(chunked && keep);
        res.chunked(chunked);
        res.set("x-request-id", f.request_id);
        if (!f.x_cache.empty()) res.set("x-cache", f.x_cache);
        if (!f.x_cache_match.empty()) res.set("x-cache-match", f.x_cache_match);
        if (!f.server_timing.empty()) res.set("Server-Timing", f.server_timing);
        beast::http::response_serializer<beast::http::empty_body> serializer{res};
        std::string beast;
        boost::system::error_code ec;
        serializer.split(true);  // the head alone: with chunked, the body's chunks follow it later
        while (!serializer.is_header_done() && !ec)
          serializer.next(ec, [&](boost::system::error_code&, const auto& buffers) {
            for (const auto b : boost::beast::buffers_range_ref(buffers))
              beast.append(static_cast<const char*>(b.data()), b.size());
            serializer.consume(boost::asio::buffer_size(buffers));
          });
        REQUIRE_FALSE(ec);
        std::string head;
        const bool ours_chunked = append_sse_head(head, version, keep, f);
        INFO("HTTP/1." << (version - 10) << " keep-alive " << keep << " variant " << variant);
        CHECK(head == beast);
        CHECK(ours_chunked == chunked);
      }
}

TEST_CASE("Server-Timing: the cache's part and the upstream's first byte", "[http][reply]") {
  using std::chrono::microseconds;
  std::string room;
  CHECK(server_timing("", microseconds(-1), room).empty());
  CHECK(server_timing("HIT", microseconds(-1), room) == "cache;desc=HIT");
  CHECK(server_timing("BYPASS", microseconds(-1), room) == "cache;desc=BYPASS");
  CHECK(server_timing("ELSE", microseconds(-1), room) == "cache;desc=ELSE");
  CHECK(server_timing("MISS", microseconds(1250), room) ==
        R"(cache;desc=MISS, upstream;desc="first byte";dur=1.250)");
  CHECK(server_timing("", microseconds(0), room) == R"(upstream;desc="first byte";dur=0.000)");
  CHECK(server_timing("COALESCED", microseconds(123456789), room) ==
        R"(cache;desc=COALESCED, upstream;desc="first byte";dur=123456.789)");
}
