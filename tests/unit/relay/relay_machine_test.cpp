// The relay state machine with both endpoint formats, without sockets: transition by transition,
// and the same upstream bytes fed whole, at every split point and byte by byte.
#include "chat/chat_format.hpp"
#include "openai/openai_format.hpp"
#include "relay/relay_machine.hpp"
#include "upstream/provider.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <functional>
#include <vector>

using namespace gateway;

namespace {

const std::string secret = "gsk_secret_0123456789";

std::string redact_fn(std::string s) { return redact_secret(std::move(s), secret); }

std::string chunk(std::string_view content, std::string_view finish = {}, bool usage = false) {
  std::string c = R"({"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"openai/gpt-oss-20b","choices":[{"index":0,"delta":{"content":)";
  c += boost::json::serialize(boost::json::string_view(content));
  c += R"(},"finish_reason":)";
  if (finish.empty()) {
    c += "null";
  } else {
    c += '"';
    c.append(finish);
    c += '"';
  }
  c += "}]";
  if (usage) c += R"(,"x_groq":{"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}})";
  c += "}";
  return "data: " + c + "\n\n";
}

// A Groq-style stream: Turkish letters and an emoji (multi-byte characters for the split points).
const std::string groq_stream = chunk("BIST 100, ") + chunk("Borsa İstanbul'un ") + chunk("en büyük 100 şirketi 📈") +
                                chunk("", "stop", true) + "data: [DONE]\n\n";

struct run_result {
  std::string out;   // everything for the client and the followers, concatenated
  relay_action last;
  std::string tail, message;  // the machine's, after the last action
  std::size_t actions = 0;
  std::optional<cached_answer> answer;
};

// Feeds `pieces`, then the upstream's end; stops at the first terminal action.
run_result run(relay_format& format, const std::vector<std::string_view>& pieces, bool end = true) {
  relay_machine m(format, redact_fn);
  run_result r;
  for (const auto p : pieces) {
    std::string out;
    r.last = m.resume(upstream_bytes{p}, out);
    ++r.actions;
    r.out += out;
    if (r.last.next != relay_action::kind::read) break;
  }
  if (end && r.last.next == relay_action::kind::read) {
    std::string out;
    r.last = m.resume(upstream_end{}, out);
    r.out += out;
  }
  r.tail = m.take_tail();
  r.message = m.message();
  r.answer = m.take_answer();
  return r;
}

std::vector<std::string_view> split_at(std::string_view s, std::size_t i) { return {s.substr(0, i), s.substr(i)}; }

std::vector<std::string_view> bytewise(std::string_view s) {
  std::vector<std::string_view> v;
  for (std::size_t i = 0; i < s.size(); ++i) v.push_back(s.substr(i, 1));
  return v;
}

}  // namespace

TEST_CASE("relay: a /chat stream relayed whole is complete, with its answer", "[relay]") {
  chat_format f(true, true);
  const auto r = run(f, {groq_stream});
  REQUIRE(r.last.next == relay_action::kind::complete);
  CHECK(r.out == R"(data: {"delta":"BIST 100, "})" "\n\n" R"(data: {"delta":"Borsa İstanbul'un "})" "\n\n"
                 R"(data: {"delta":"en büyük 100 şirketi 📈"})" "\n\n");
  CHECK(r.tail.find(R"("done":true)") != std::string::npos);
  CHECK(r.tail.find(R"("completion_tokens":3)") != std::string::npos);
  CHECK(r.tail.ends_with("data: [DONE]\n\n"));
  REQUIRE(r.answer);
  CHECK(r.answer->answer == "BIST 100, Borsa İstanbul'un en büyük 100 şirketi 📈");
  CHECK(r.answer->finish_reason == "stop");
  CHECK(storable(*r.answer));
}

TEST_CASE("relay: every split point of the upstream bytes gives the same stream", "[relay]") {
  chat_format whole_format(true, true);
  const auto whole = run(whole_format, {groq_stream});
  for (std::size_t i = 0; i <= groq_stream.size(); ++i) {
    chat_format f(true, true);
    const auto r = run(f, split_at(groq_stream, i));
    INFO("split at " << i);
    REQUIRE(r.last.next == relay_action::kind::complete);
    CHECK(r.out == whole.out);
    CHECK(r.tail == whole.tail);
    CHECK(r.answer->answer == whole.answer->answer);
  }
  openai_format whole_openai(true, false, true);
  const auto passthrough = run(whole_openai, {groq_stream});
  CHECK(passthrough.out + "data: [DONE]\n\n" == groq_stream);  // the upstream's chunks, unchanged
  for (std::size_t i = 0; i <= groq_stream.size(); ++i) {
    openai_format f(true, false, true);
    const auto r = run(f, split_at(groq_stream, i));
    INFO("split at " << i);
    REQUIRE(r.last.next == relay_action::kind::complete);
    CHECK(r.out == passthrough.out);
    CHECK(r.answer->answer == "BIST 100, Borsa İstanbul'un en büyük 100 şirketi 📈");
  }
  chat_format f(true, true);
  const auto bytes = run(f, bytewise(groq_stream));
  CHECK(bytes.out == whole.out);
  CHECK(bytes.last.next == relay_action::kind::complete);
}

TEST_CASE("relay: complete needs [DONE] or a finish_reason, and the upstream's end", "[relay]") {
  SECTION("[DONE] without a finish_reason") {
    chat_format f(true, true);
    const auto r = run(f, {chunk("a") + "data: [DONE]\n\n"});
    CHECK(r.last.next == relay_action::kind::complete);
    CHECK_FALSE(storable(*r.answer));  // no finish_reason: complete, but never cached
  }
  SECTION("a finish_reason without [DONE], on both endpoints") {
    chat_format c(true, true);
    CHECK(run(c, {chunk("a", "stop")}).last.next == relay_action::kind::complete);
    openai_format o(true, false, false);
    const auto r = run(o, {chunk("a", "length")});
    CHECK(r.last.next == relay_action::kind::complete);
    CHECK(r.tail == "data: [DONE]\n\n");  // the client still gets its end marker
  }
  SECTION("[DONE] alone is not the end: the machine waits for the upstream's end") {
    chat_format f(true, true);
    relay_machine m(f, redact_fn);
    std::string out;
    CHECK(m.resume(upstream_bytes{groq_stream}, out).next == relay_action::kind::read);
    CHECK_FALSE(m.done());
    // Whatever follows [DONE] is not relayed.
    out.clear();
    CHECK(m.resume(upstream_bytes{chunk("late")}, out).next == relay_action::kind::read);
    CHECK(out.empty());
    CHECK(m.resume(upstream_end{}, out).next == relay_action::kind::complete);
  }
  SECTION("neither: the stream was cut") {
    for (bool openai : {false, true}) {
      chat_format c(true, true);
      openai_format o(true, false, true);
      relay_format& f = openai ? static_cast<relay_format&>(o) : c;
      const auto r = run(f, {chunk("a")});
      REQUIRE(r.last.next == relay_action::kind::fail);
      CHECK(r.last.code == error::upstream_closed);
      CHECK(r.tail.find("upstream_error") != std::string::npos);  // the public code, in the error event
      CHECK_FALSE(r.answer);
    }
  }
}

TEST_CASE("relay: upstream errors end the stream with one error event, secrets redacted", "[relay]") {
  const std::string error_event = R"(data: {"error":{"message":"bad key )" + secret + R"(","type":"server_error"}})" "\n\n";
  SECTION("/chat writes its own error event") {
    chat_format f(true, true);
    const auto r = run(f, {chunk("a") + error_event + chunk("never")});
    REQUIRE(r.last.next == relay_action::kind::fail);
    CHECK(r.last.code == error::upstream_error_event);
    CHECK(r.out == R"(data: {"delta":"a"})" "\n\n");  // what came before the error is delivered
    CHECK(r.message.find(secret) == std::string::npos);
    CHECK(r.message.find("[redacted]") != std::string::npos);
    CHECK(r.tail.find(R"({"error":{"code":"upstream_error")") != std::string::npos);
    CHECK(r.tail.find(secret) == std::string::npos);
  }
  SECTION("/v1 passes the upstream's own error event on, redacted") {
    openai_format f(true, false, false);
    const auto r = run(f, {error_event});
    REQUIRE(r.last.next == relay_action::kind::fail);
    CHECK(r.tail == redact_secret(error_event, secret));
    CHECK(r.tail.find(secret) == std::string::npos);
  }
  SECTION("a malformed chunk on /chat") {
    chat_format f(true, true);
    const auto r = run(f, {"data: {not json\n\n"});
    CHECK(r.last.code == error::upstream_protocol_error);
  }
  SECTION("an event larger than the parser's bound") {
    chat_format f(true, true);
    std::string huge((1 << 20) + 16, 'x');  // one line with no end: an event past the bound
    huge.replace(0, 6, "data: ");
    CHECK(run(f, {huge}).last.code == error::upstream_protocol_error);
  }
  SECTION("a transport failure or a deadline while reading") {
    chat_format f(true, true);
    relay_machine m(f, redact_fn);
    std::string out;
    m.resume(upstream_bytes{chunk("a")}, out);
    const auto a = m.resume(upstream_failed{error::upstream_idle_timeout}, out);
    CHECK(a.next == relay_action::kind::fail);
    CHECK(a.code == error::upstream_idle_timeout);
    CHECK(m.take_tail().find("upstream_timeout") != std::string::npos);
    CHECK(m.client_attached());
  }
}

TEST_CASE("relay: the client leaving - followers keep the stream alive, else it ends", "[relay]") {
  SECTION("followers remain: the upstream goes on for them, nothing more for the client") {
    chat_format f(true, true);
    relay_machine m(f, redact_fn);
    std::string out;
    m.resume(upstream_bytes{chunk("a")}, out);
    CHECK(m.resume(client_left{true}, out).next == relay_action::kind::read);
    CHECK_FALSE(m.client_attached());
    out.clear();
    m.resume(upstream_bytes{chunk("b", "stop")}, out);
    CHECK_FALSE(out.empty());  // still produced: the followers get it
    const auto end = m.resume(upstream_end{}, out);
    CHECK(end.next == relay_action::kind::complete);
    CHECK(m.take_answer()->answer == "ab");  // and the answer can still be stored
  }
  SECTION("nobody left: the stream fails as client_gone, with nothing to write") {
    chat_format f(true, true);
    relay_machine m(f, redact_fn);
    std::string out;
    const auto a = m.resume(client_left{false, error::client_write_timeout}, out);
    CHECK(a.next == relay_action::kind::fail);
    CHECK(a.code == error::client_write_timeout);
    CHECK(m.take_tail().empty());
    CHECK_FALSE(m.client_attached());
  }
  SECTION("after the end, leaving only detaches") {
    chat_format f(true, true);
    relay_machine m(f, redact_fn);
    std::string out;
    m.resume(upstream_bytes{groq_stream}, out);
    m.resume(upstream_end{}, out);
    CHECK_FALSE(m.take_tail().empty());  // the end, taken with the first terminal action
    const auto a = m.resume(client_left{false}, out);
    CHECK(a.next == relay_action::kind::complete);
    CHECK(m.take_tail().empty());  // given out once
    CHECK_FALSE(m.client_attached());
    CHECK(m.take_answer());  // a complete answer stays complete
  }
  SECTION("terminal states ignore later upstream input") {
    chat_format f(true, true);
    relay_machine m(f, redact_fn);
    std::string out;
    m.resume(upstream_failed{error::upstream_closed}, out);
    out.clear();
    CHECK(m.resume(upstream_bytes{chunk("x")}, out).next == relay_action::kind::fail);
    CHECK(m.resume(upstream_end{}, out).next == relay_action::kind::fail);
    CHECK(out.empty());
  }
}

TEST_CASE("relay: the next action - read while pieces come, write before a wait, what is owed, then wait",
          "[relay]") {
  using kind = relay_action::kind;
  chat_format f(true, true);
  relay_machine m(f, redact_fn);
  std::string out;
  CHECK(relay_action{}.next == kind::read);  // the first action
  // Nothing there yet and nothing read: the client is owed its head first, then the wait.
  CHECK(m.resume(nothing_ready{true}, out).next == kind::owe);
  CHECK(m.resume(written{}, out).next == kind::read);
  CHECK(m.resume(nothing_ready{false}, out).next == kind::wait);
  CHECK(m.resume(wait_over{}, out).next == kind::read);
  // Pieces that are there at once are read before anything is written...
  CHECK(m.resume(upstream_bytes{chunk("a")}, out).next == kind::read);
  CHECK(m.resume(upstream_bytes{chunk("b")}, out).next == kind::read);
  // ...and go out, in one write, before any wait - even when a comment is owed too.
  CHECK(m.resume(nothing_ready{true}, out).next == kind::write);
  CHECK(out == "data: {\"delta\":\"a\"}\n\ndata: {\"delta\":\"b\"}\n\n");
  out.clear();
  CHECK(m.resume(written{}, out).next == kind::read);
  // A comment owed to a client that left is not written: followers only get the stream.
  m.resume(client_left{true}, out);
  CHECK(m.resume(nothing_ready{true}, out).next == kind::wait);
  CHECK(m.resume(upstream_bytes{chunk("c", "stop")}, out).next == kind::read);
  CHECK(m.resume(upstream_end{}, out).next == kind::complete);
  CHECK(m.take_answer()->answer == "abc");
}

TEST_CASE("relay: a stream that fell behind goes out in writes of at most coalesce_limit bytes", "[relay]") {
  using kind = relay_action::kind;
  chat_format f(true, true);
  relay_machine m(f, redact_fn);
  std::string out;
  const auto piece = chunk(std::string(1000, 'x'));
  int reads = 0;
  auto next = kind::read;
  while (next == kind::read) {
    next = m.resume(upstream_bytes{piece}, out).next;
    ++reads;
  }
  CHECK(next == kind::write);
  CHECK(out.size() >= relay_machine::coalesce_limit);
  CHECK(out.size() < relay_machine::coalesce_limit + piece.size());
  CHECK(reads > 1);
}

TEST_CASE("relay: a wait that failed ends the stream, and a wait after the end changes nothing", "[relay]") {
  chat_format f(true, true);
  relay_machine m(f, redact_fn);
  std::string out;
  const auto a = m.resume(upstream_failed{error::request_timeout}, out);
  CHECK(a.next == relay_action::kind::fail);
  CHECK(m.resume(wait_over{}, out).next == relay_action::kind::fail);
  CHECK(m.resume(written{}, out).next == relay_action::kind::fail);
  CHECK(m.resume(nothing_ready{true}, out).next == relay_action::kind::fail);
}

TEST_CASE("relay formats: replays and error shapes", "[relay]") {
  cached_answer a{"Merhaba dünya 🌍", "openai/gpt-oss-20b", token_usage{1, 2, 3}, "stop"};
  chat_format c(true, false);
  CHECK(c.json_replay(a, true).find(R"("cached":true)") != std::string::npos);
  CHECK(c.stream_replay(a, false).ends_with("data: [DONE]\n\n"));
  const auto chat_error = c.error_response(error::rate_limited, "slow down", 0);
  CHECK(chat_error.status == 429);
  CHECK(boost::json::parse(chat_error.body).at("error").at("code") == "rate_limited");

  openai_format o(true, true, false);
  CHECK_FALSE(o.can_replay(cached_answer{"x", "m", std::nullopt, "stop"}));  // asked for a usage chunk
  CHECK(o.can_replay(a));
  const auto rejected = o.error_response(error::upstream_rejected, "unknown model", 404);
  CHECK(rejected.status == 404);  // the upstream's own refusal, as calling Groq directly
  CHECK(boost::json::parse(rejected.body).at("error").at("type") == "invalid_request_error");
  const auto auth = o.error_response(error::upstream_auth, "key", 401);
  CHECK(auth.status == 502);  // the gateway's own key: not the client's fault
}
