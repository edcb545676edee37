// Personal data end to end (issue 37): over TLS to groq-sim, whose echo=1 answer writes back every
// placeholder it was sent, each cut across two stream chunks. groq-sim's recorded request and the
// gateway's logs (debug level) hold no identifier; each client gets its own values back, JSON and
// streamed, live, from the cache and as a coalesced follower, although they share one cached
// answer.
#include "support/client_threads.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>

using namespace test;
namespace json = boost::json;

namespace {

// Made-up values with valid check digits (tests/data/pii_labeled.tsv).
struct customer {
  std::string iban, tckn, phone, email;
};
const customer ayse{"TR61 0006 4069 7021 7387 9329 23", "29805781730", "0532 123 45 67",
                    "ayse.yilmaz@example.com"};
const customer mehmet{"tr69 0006 7068 5369 5276 5328 95", "56672016160", "+90 (541) 765-43-21",
                      "mehmet.kaya@ornek.net"};
const customer zeynep{"TR190013408865160126434459", "94569959084", "05551112233",
                      "zeynep_demir@firma.com.tr"};

std::string question_of(const customer& c, std::string_view tail = "[[sim echo=1]]") {
  return "IBAN'ım " + c.iban + ", TC " + c.tckn + ", tel " + c.phone + ", e-posta " + c.email +
         ". EFT ne zaman geçer? " + std::string(tail);
}
std::string echo_of(const customer& c) {
  return "Yer tutucular: " + c.iban + " ve " + c.tckn + " ve " + c.phone + " ve " + c.email + ".";
}
bool mentions(std::string_view text, const customer& c) {
  for (const auto& v : {c.iban, c.tckn, c.phone, c.email})
    if (text.find(v) != std::string_view::npos) return true;
  // The digits alone too, however they were spaced.
  std::string digits;
  for (char ch : c.iban)
    if (ch >= '0' && ch <= '9') digits += ch;
  return text.find(digits) != std::string_view::npos;
}

env_options logged(captured_log& log) {
  env_options o;
  o.log = log.logger(gateway::log_level::debug);
  o.access = log.logger(gateway::log_level::debug);
  return o;
}

const std::string v1 = "/v1/chat/completions";
std::string completion(const std::string& question, bool stream) {
  json::object body{
      {"model", "openai/gpt-oss-20b"},
      {"messages", json::array{json::object{{"role", "user"}, {"content", question}}}}};
  if (stream) body["stream"] = true;
  return json::serialize(body);
}
std::string content_of(const http_result& r) {
  return str(r.json().at("choices").at(0).at("message").at("content"));
}

}  // namespace

TEST_CASE(
    "pii: /chat sends placeholders only, and each client gets its own values from one cached answer",
    "[integration][pii]") {
  captured_log log;
  test_env env(logged(log));

  const auto a = env.chat(chat_body(question_of(ayse)));
  REQUIRE(a.status == 200);
  CHECK(a.headers.at("x-cache") == "MISS");
  CHECK(str(a.json().at("answer")) == echo_of(ayse));
  const auto sent = env.sim().stats().last_request_body;
  CHECK_FALSE(mentions(sent, ayse));
  CHECK(sent.find("[IBAN_1]") != std::string::npos);
  CHECK(sent.find("[TCKN_1]") != std::string::npos);
  CHECK(sent.find("[TEL_1]") != std::string::npos);
  CHECK(sent.find("[EPOSTA_1]") != std::string::npos);
  CHECK(sent.find("yer tutucu") != std::string::npos);  // the instruction in the system message

  // Another customer, other values, the same question: the same entry, their own values.
  const auto b = env.chat(chat_body(question_of(mehmet)));
  REQUIRE(b.status == 200);
  CHECK(b.headers.at("x-cache") == "HIT");
  CHECK(str(b.json().at("answer")) == echo_of(mehmet));
  const auto c = env.chat_stream(chat_body(question_of(zeynep), true));
  REQUIRE(c.status == 200);
  CHECK(c.headers.at("x-cache") == "HIT");
  CHECK(c.text == echo_of(zeynep));
  CHECK(env.sim().stats().completions == 1);

  // A live stream: placeholders cut across chunks by groq-sim, restored whole.
  const auto d =
      env.chat_stream(chat_body(question_of(ayse, "Havale de olur mu? [[sim echo=1]]"), true));
  REQUIRE(d.status == 200);
  CHECK(d.headers.at("x-cache") == "MISS");
  CHECK(d.text == echo_of(ayse));
  CHECK(d.saw_done);
  CHECK_FALSE(mentions(env.sim().stats().last_request_body, ayse));

  // POST /v1/cache/explain shows the form /chat keys: the placeholders', the same for both.
  auto form = [&](const customer& who) {
    const auto r = env.request("POST", "/v1/cache/explain", chat_body(question_of(who)));
    REQUIRE(r.status == 200);
    return str(r.json().at("form"));
  };
  const auto form_ayse = form(ayse);
  CHECK(form_ayse == form(mehmet));
  CHECK(form_ayse.find("[iban_1]") != std::string::npos);
  CHECK_FALSE(mentions(form_ayse, ayse));

  const auto m = env.request("GET", "/metrics", {}, {}).body;
  CHECK(m.find("gateway_pii_values_total{kind=\"iban\"} 4") != std::string::npos);
  CHECK(m.find("gateway_pii_values_total{kind=\"email\"} 4") != std::string::npos);

  const auto logs = log.text();
  CHECK_FALSE(logs.empty());
  for (const auto* who : {&ayse, &mehmet, &zeynep}) CHECK_FALSE(mentions(logs, *who));
}

TEST_CASE("pii: /v1/chat/completions restores each client's values, JSON and streamed",
          "[integration][pii]") {
  captured_log log;
  test_env env(logged(log));

  const auto a = env.request("POST", v1, completion(question_of(ayse), false));
  REQUIRE(a.status == 200);
  CHECK(a.headers.at("x-cache") == "MISS");
  CHECK(content_of(a) == echo_of(ayse));
  const auto sent = env.sim().stats().last_request_body;
  CHECK_FALSE(mentions(sent, ayse));
  CHECK(sent.find("[IBAN_1]") != std::string::npos);

  const auto b = env.stream(v1, completion(question_of(mehmet), true));
  REQUIRE(b.status == 200);
  CHECK(b.headers.at("x-cache") == "HIT");
  CHECK(b.text == echo_of(mehmet));
  const auto c = env.request("POST", v1, completion(question_of(zeynep), false));
  CHECK(c.headers.at("x-cache") == "HIT");
  CHECK(content_of(c) == echo_of(zeynep));
  CHECK(env.sim().stats().completions == 1);

  // Live: the upstream's chunks, placeholders cut across two of them.
  const auto d = env.stream(v1, completion(question_of(zeynep, "Peki FAST? [[sim echo=1]]"), true));
  REQUIRE(d.status == 200);
  CHECK(d.headers.at("x-cache") == "MISS");
  CHECK(d.text == echo_of(zeynep));
  CHECK(d.finish_reason == "stop");
  CHECK(d.saw_done_marker);
  CHECK_FALSE(mentions(env.sim().stats().last_request_body, zeynep));

  const auto logs = log.text();
  for (const auto* who : {&ayse, &mehmet, &zeynep}) CHECK_FALSE(mentions(logs, *who));
}

TEST_CASE("pii: coalesced followers restore with their own values", "[integration][pii]") {
  test_env env;
  const std::vector<const customer*> who{&ayse, &mehmet, &zeynep};
  std::vector<stream_result> results(who.size());
  std::atomic<int> started{0};
  client_threads group;
  for (std::size_t i = 0; i < who.size(); ++i)
    group.add([&, i] {
      bool seen = false;
      results[i] = env.chat_stream(chat_body(question_of(*who[i], "[[sim echo=1 gate=pii]]"), true),
                                   [&](const gateway::sse_event& ev) {
                                     if (!seen && ev.data.find("\"delta\"") != std::string::npos) {
                                       seen = true;
                                       ++started;
                                     }
                                     return true;
                                   });
    });
  const bool leading = test_env::eventually([&] { return env.gateway().coalescing().led == 1; });
  const bool joined =
      leading && test_env::eventually([&] { return env.gateway().coalescing().coalesced == 2; });
  env.sim().open_gate("pii");
  group.join();
  REQUIRE(joined);
  for (std::size_t i = 0; i < who.size(); ++i) {
    INFO(i);
    CHECK(results[i].status == 200);
    CHECK(results[i].text == echo_of(*who[i]));
  }
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("pii: PII_PROTECTION=off sends the request as it is", "[integration][pii]") {
  test_env env(with_gateway([](gateway::gateway_config& c) { c.pii.enabled = false; }));
  const auto a = env.chat(chat_body(question_of(ayse)));
  REQUIRE(a.status == 200);
  CHECK(mentions(env.sim().stats().last_request_body, ayse));
  CHECK(str(a.json().at("answer")) == "Yer tutucu yok.");
}
