// OpenTelemetry traces end to end (OTEL_*: lib/trace, lib/telemetry, gateway/request_tracing):
// the gateway exports by OTLP/HTTP JSON to a collector played by this test, and the spans are
// checked by their parent links and attributes - a miss under a client's traceparent (server span,
// cache lookup, the upstream call with the GenAI attributes and its attempt with the connection's
// events, the relay; Groq gets the attempt's span as its parent), a pooled connection, a stale one
// replaced by a resumed handshake, a hit, a retry, a timed-out attempt, a fallback, a coalesced
// follower on the leader's instance and on another one (over a real redis-server), a client that
// asked not to be sampled, and a collector that is down (requests are served, the spans are
// counted as failed).
#include "redis/redis_address.hpp"
#include "support/accept_thread.hpp"
#include "support/client_threads.hpp"
#include "support/redis_server.hpp"
#include "support/test_env.hpp"

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace test;
namespace json = boost::json;
namespace http = boost::beast::http;

namespace {

const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string client_span = "00f067aa0ba902b7";

// A collector: every POST's body kept, 200 answered.
class collector {
 public:
  collector()
      : accept_(ioc_, [this](boost::asio::ip::tcp::socket s) {
          boost::beast::flat_buffer buffer;
          http::request<http::string_body> req;
          boost::system::error_code ec;
          http::read(s, buffer, req, ec);
          if (ec) return;
          {
            std::lock_guard lock(mutex_);
            paths_.push_back(std::string(req.target()));
            content_types_.push_back(std::string(req[http::field::content_type]));
            const auto body = json::parse(req.body());
            for (const auto& rs : body.at("resourceSpans").as_array()) {
              resources_.push_back(rs.at("resource"));
              for (const auto& ss : rs.at("scopeSpans").as_array())
                for (const auto& sp : ss.at("spans").as_array()) spans_.push_back(sp.as_object());
            }
          }
          http::response<http::string_body> res{http::status::ok, 11};
          res.set(http::field::content_type, "application/json");
          res.body() = "{}";
          res.prepare_payload();
          http::write(s, res, ec);
        }) {}
  unsigned short port() const { return accept_.port(); }
  std::vector<json::object> spans_of(const std::string& trace) const {
    std::lock_guard lock(mutex_);
    std::vector<json::object> out;
    for (const auto& s : spans_)
      if (s.at("traceId").as_string() == trace) out.push_back(s);
    return out;
  }
  std::vector<json::object> all() const {
    std::lock_guard lock(mutex_);
    return spans_;
  }
  std::vector<std::string> paths() const {
    std::lock_guard lock(mutex_);
    return paths_;
  }
  std::vector<std::string> content_types() const {
    std::lock_guard lock(mutex_);
    return content_types_;
  }
  std::vector<json::value> resources() const {
    std::lock_guard lock(mutex_);
    return resources_;
  }

 private:
  boost::asio::io_context ioc_;
  mutable std::mutex mutex_;
  std::vector<json::object> spans_;
  std::vector<std::string> paths_, content_types_;
  std::vector<json::value> resources_;
  accept_thread accept_;
};

env_options exporting_to(unsigned short port, std::function<void(gateway::gateway_config&)> more = {}) {
  return with_gateway([port, more](gateway::gateway_config& c) {
    c.otel.endpoint = "http://127.0.0.1:" + std::to_string(port);
    c.otel.schedule_delay = std::chrono::milliseconds(20);
    c.otel.max_batch = 64;
    if (more) more(c);
  });
}

std::map<std::string, std::string> traced(const std::string& flags = "01") {
  return {{"content-type", "application/json"},
          {"traceparent", "00-" + trace_id + "-" + client_span + "-" + flags}};
}

const json::object* named(const std::vector<json::object>& spans, std::string_view name) {
  for (const auto& s : spans)
    if (s.at("name").as_string() == name) return &s;
  return nullptr;
}

// The spans of the test's trace, once its server span (a request's last) is exported.
std::vector<json::object> traced_spans(const collector& col) {
  REQUIRE(test_env::eventually([&] { return named(col.spans_of(trace_id), "POST /chat") != nullptr; }));
  return col.spans_of(trace_id);
}

// An attribute's value as text (strings as they are, numbers as their decimal, booleans as
// true/false, arrays joined by ','), "" when absent.
std::string attribute(const json::object& span, std::string_view key) {
  for (const auto& a : span.at("attributes").as_array()) {
    if (a.at("key").as_string() != key) continue;
    const auto& v = a.at("value").as_object();
    if (const auto* s = v.if_contains("stringValue")) return std::string(s->as_string());
    if (const auto* i = v.if_contains("intValue")) return std::string(i->as_string());
    if (const auto* d = v.if_contains("doubleValue")) return json::serialize(*d);
    if (const auto* b = v.if_contains("boolValue")) return b->as_bool() ? "true" : "false";
    if (const auto* arr = v.if_contains("arrayValue")) {
      std::string out;
      for (const auto& item : arr->at("values").as_array()) {
        if (!out.empty()) out += ',';
        out += item.at("stringValue").as_string();
      }
      return out;
    }
  }
  return {};
}

// Pointers into `spans`, which must outlive them.
std::vector<const json::object*> all_named(const std::vector<json::object>& spans, std::string_view name) {
  std::vector<const json::object*> out;
  for (const auto& s : spans)
    if (s.at("name").as_string() == name) out.push_back(&s);
  // In the order they started (the export's order is not promised).
  std::sort(out.begin(), out.end(), [](const json::object* a, const json::object* b) {
    return std::stoull(str(a->at("startTimeUnixNano"))) < std::stoull(str(b->at("startTimeUnixNano")));
  });
  return out;
}

const json::object* event(const json::object& span, std::string_view name) {
  for (const auto& e : span.at("events").as_array())
    if (e.at("name").as_string() == name) return &e.as_object();
  return nullptr;
}

std::uint64_t time_of(const json::object& e) { return std::stoull(str(e.at("timeUnixNano"))); }

// The one span link of `span` (a follower's wait or claim), and the server span of the trace it
// names, once exported: the leader's request. Null when `span` has no single link or the linked
// span is not a server span.
const json::object* linked_server_span(const collector& col, const json::object& span, std::vector<json::object>& keep) {
  const auto* links = span.if_contains("links");
  if (!links || links->as_array().size() != 1) return nullptr;
  const auto& link = links->as_array().front().as_object();
  const auto trace = str(link.at("traceId"));
  const auto id = str(link.at("spanId"));
  if (!test_env::eventually([&] { return named(col.spans_of(trace), "POST /chat") != nullptr; })) return nullptr;
  keep = col.spans_of(trace);
  for (const auto& s : keep)
    if (str(s.at("spanId")) == id) return s.at("kind").as_int64() == 2 ? &s : nullptr;
  return nullptr;
}

// A leader held at groq-sim's gate `gate` (its request sent with `leader_headers`), and a follower
// under the test's traceparent that joins its flight: the follower's spans, once exported.
std::vector<json::object> follow_held_leader(test_env& env, const collector& col, const std::string& question,
                                             const std::string& gate,
                                             std::map<std::string, std::string> leader_headers = {
                                                 {"content-type", "application/json"}}) {
  client_threads group;
  std::atomic<bool> leader_started{false};
  group.add([&] {
    env.stream("/chat", chat_body(question, true), [&](const auto&) {
      leader_started = true;
      return true;
    }, leader_headers);
  });
  REQUIRE(test_env::eventually([&] { return leader_started.load(); }));
  http_result follower;
  group.add([&] { follower = env.request("POST", "/chat", chat_body(question), traced()); });
  // The follower has joined when the gateway counts it.
  const bool joined = test_env::eventually([&] { return env.gateway().coalescing().coalesced == 1; });
  env.sim().open_gate(gate);
  group.join();
  REQUIRE(joined);
  REQUIRE(follower.status == 200);
  return traced_spans(col);
}

std::string traceparent_of(const json::object& span) {
  return "00-" + trace_id + "-" + str(span.at("spanId")) + "-01";
}

}  // namespace

TEST_CASE("otel: a miss under a client's traceparent - server span, lookup, model call and its attempt, relay, and Groq gets the attempt's span",
          "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  const auto r = env.request("POST", "/chat", chat_body("BIST 100 nedir?"), traced());
  REQUIRE(r.status == 200);
  const auto spans = traced_spans(col);
  const auto* server = named(spans, "POST /chat");
  const auto* lookup = named(spans, "gateway.cache.lookup");
  const auto* call = named(spans, "chat openai/gpt-oss-20b");
  const auto* relay = named(spans, "gateway.relay");
  REQUIRE(server);
  REQUIRE(lookup);
  REQUIRE(call);
  REQUIRE(relay);
  // The server span is the client's span's child; the rest are the server span's.
  CHECK(str(server->at("parentSpanId")) == client_span);
  CHECK(server->at("kind").as_int64() == 2);
  const auto server_id = str(server->at("spanId"));
  for (const auto* child : {lookup, call, relay}) CHECK(str(child->at("parentSpanId")) == server_id);
  CHECK(call->at("kind").as_int64() == 3);
  CHECK(attribute(*server, "http.request.method") == "POST");
  CHECK(attribute(*server, "http.route") == "/chat");
  CHECK(attribute(*server, "http.response.status_code") == "200");
  CHECK(attribute(*server, "gateway.cache") == "MISS");
  CHECK(attribute(*server, "gen_ai.operation.name") == "chat");
  CHECK(attribute(*server, "gen_ai.request.model") == "openai/gpt-oss-20b");
  CHECK(attribute(*server, "gen_ai.request.max_tokens") == "300");
  CHECK_FALSE(attribute(*server, "gen_ai.usage.output_tokens").empty());
  CHECK(attribute(*server, "gen_ai.response.finish_reasons") == "stop");
  CHECK(attribute(*lookup, "gateway.cache.result") == "MISS");
  CHECK(attribute(*call, "gen_ai.provider.name") == "groq");
  CHECK(attribute(*call, "gen_ai.request.model") == "openai/gpt-oss-20b");
  CHECK(attribute(*call, "gateway.upstream.attempts") == "1");
  CHECK(attribute(*call, "http.response.status_code") == "200");
  // The one attempt: an HTTP client span under the call, on the first key and the model, over a
  // new connection (the environment's first request): TCP connect, then a full TLS handshake,
  // then the answer's head.
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 1);
  const auto& attempt = *attempts.front();
  CHECK(str(attempt.at("parentSpanId")) == str(call->at("spanId")));
  CHECK(attempt.at("kind").as_int64() == 3);
  CHECK(attribute(attempt, "http.request.method") == "POST");
  CHECK(attribute(attempt, "http.response.status_code") == "200");
  CHECK(attribute(attempt, "http.request.resend_count").empty());  // the first is no resend
  CHECK(attribute(attempt, "gateway.upstream.key") == "1");
  CHECK(attribute(attempt, "gen_ai.request.model") == "openai/gpt-oss-20b");
  CHECK(attribute(attempt, "gateway.connection.reused") == "false");
  CHECK(attribute(attempt, "server.address") == "127.0.0.1");
  const auto* connect = event(attempt, "connect");
  const auto* handshake = event(attempt, "tls_handshake");
  const auto* first_byte = event(attempt, "first_byte");
  REQUIRE(connect);
  REQUIRE(handshake);
  REQUIRE(first_byte);
  CHECK(attribute(*handshake, "tls.resumed") == "false");
  CHECK(time_of(*connect) <= time_of(*handshake));
  CHECK(time_of(*handshake) <= time_of(*first_byte));
  // Groq's side of the trace goes under the attempt's span, sampled.
  CHECK(env.sim().stats().last_traceparent == traceparent_of(attempt));
  // Ordered in time, each inside the request's.
  const auto start = [](const json::object* s) { return std::stoull(str(s->at("startTimeUnixNano"))); };
  const auto end = [](const json::object* s) { return std::stoull(str(s->at("endTimeUnixNano"))); };
  CHECK(start(server) <= start(lookup));
  CHECK(end(lookup) <= start(call));
  CHECK(start(call) <= start(&attempt));
  CHECK(start(&attempt) <= time_of(*connect));
  CHECK(end(&attempt) <= end(call));
  CHECK(end(call) <= start(relay));
  CHECK(end(relay) <= end(server));
  // No question or answer text in any span.
  for (const auto& s : spans) CHECK(json::serialize(s).find("BIST") == std::string::npos);
  // What the collector was sent.
  CHECK(col.paths().front() == "/v1/traces");
  CHECK(col.content_types().front() == "application/json");
  CHECK(json::serialize(col.resources().front()).find(R"("service.name")") != std::string::npos);
}

TEST_CASE("otel: a hit is a server span and a lookup, no model call",
          "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  REQUIRE(env.chat(chat_body("Altın nedir?")).status == 200);
  const auto r = env.request("POST", "/chat", chat_body("Altın nedir?"), traced());
  REQUIRE(r.status == 200);
  const auto spans = traced_spans(col);
  CHECK(spans.size() == 2);
  CHECK(attribute(*named(spans, "POST /chat"), "gateway.cache") == "HIT");
  CHECK(attribute(*named(spans, "gateway.cache.lookup"), "gateway.cache.result") == "HIT");
  CHECK_FALSE(named(spans, "chat openai/gpt-oss-20b"));
}

TEST_CASE("otel: a pooled connection's attempt says so, and has no connect or handshake", "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  REQUIRE(env.chat(chat_body("Tahvil nedir?")).status == 200);  // leaves its connection in the pool
  REQUIRE(env.request("POST", "/chat", chat_body("Kripto nedir?"), traced()).status == 200);
  const auto spans = traced_spans(col);
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 1);
  CHECK(attribute(*attempts.front(), "gateway.connection.reused") == "true");
  CHECK_FALSE(event(*attempts.front(), "connect"));
  CHECK_FALSE(event(*attempts.front(), "tls_handshake"));
  CHECK(event(*attempts.front(), "first_byte"));
}

TEST_CASE("otel: a stale pooled connection replaced - the attempt says so, and its new connection resumed TLS",
          "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  // The sim answers this, then closes its connection at the next request without a byte: the
  // pooled connection is stale when the traced request takes it.
  REQUIRE(env.chat(chat_body("Tahvil nedir? [[sim drop_next=1]]")).status == 200);
  REQUIRE(env.request("POST", "/chat", chat_body("Kripto nedir?"), traced()).status == 200);
  const auto spans = traced_spans(col);
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 1);  // replacing a stale connection is no new attempt
  const auto& attempt = *attempts.front();
  const auto* stale = event(attempt, "stale_connection");
  const auto* handshake = event(attempt, "tls_handshake");
  REQUIRE(stale);
  REQUIRE(handshake);
  CHECK(attribute(*stale, "gateway.connection.stale") == "1");
  CHECK(attribute(*handshake, "tls.resumed") == "true");  // the session the first connection got
  CHECK(attribute(attempt, "gateway.connection.reused") == "false");
  CHECK(attribute(attempt, "http.response.status_code") == "200");
}

TEST_CASE("otel: a retry is a second attempt span, and the model call's retry event", "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  const auto r = env.request("POST", "/chat", chat_body("x [[sim status=503 times=1 key=otel503]]"), traced());
  REQUIRE(r.status == 200);
  const auto spans = traced_spans(col);
  const auto* call = named(spans, "chat openai/gpt-oss-20b");
  REQUIRE(call);
  CHECK(attribute(*call, "gateway.upstream.attempts") == "2");
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 2);
  for (const auto* a : attempts) CHECK(str(a->at("parentSpanId")) == str(call->at("spanId")));
  CHECK(attribute(*attempts[0], "http.response.status_code") == "503");
  CHECK(attribute(*attempts[0], "error.type") == "503");
  CHECK(attempts[0]->at("status").at("code").as_int64() == 2);
  CHECK(attribute(*attempts[1], "http.response.status_code") == "200");
  CHECK(attribute(*attempts[1], "http.request.resend_count") == "1");
  CHECK(attribute(*attempts[1], "gateway.connection.reused") == "true");  // the 503's connection, kept alive
  const auto* retry = event(*call, "retry");
  REQUIRE(retry);
  CHECK(attribute(*retry, "error.type") == "upstream failed with a server error");
  CHECK_FALSE(attribute(*retry, "gateway.retry.delay_ms").empty());
  // Between the two attempts.
  CHECK(std::stoull(str(attempts[0]->at("endTimeUnixNano"))) <= time_of(*retry));
  CHECK(time_of(*retry) <= std::stoull(str(attempts[1]->at("startTimeUnixNano"))));
  // Each attempt named its own span to Groq: the last one it saw is the second's.
  CHECK(env.sim().stats().last_traceparent == traceparent_of(*attempts[1]));
}

TEST_CASE("otel: attempts that time out waiting for their first byte end in error, as does the call",
          "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port(), [](auto& c) {
    c.upstream_timeout = std::chrono::milliseconds(200);
    c.upstream_max_retries = 1;
  }));
  const auto r = env.request("POST", "/chat", chat_body("x [[sim ttft=3000]]"), traced());
  REQUIRE(r.status == 504);
  const auto spans = traced_spans(col);
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 2);
  for (const auto* a : attempts) {
    CHECK(attribute(*a, "error.type") == "timed out waiting for upstream's first byte");
    CHECK(a->at("status").at("code").as_int64() == 2);
    CHECK(attribute(*a, "http.response.status_code").empty());
    CHECK_FALSE(event(*a, "first_byte"));
  }
  const auto* call = named(spans, "chat openai/gpt-oss-20b");
  REQUIRE(call);
  CHECK(event(*call, "retry"));
  CHECK(attribute(*call, "error.type") == "timed out waiting for upstream's first byte");
}

TEST_CASE("otel: a coalesced follower's request is a server span and a coalescing wait", "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  const auto spans = follow_held_leader(env, col, "Enflasyon nedir? [[sim gate=otel]]", "otel");
  const auto* wait = named(spans, "gateway.coalesce.wait");
  REQUIRE(wait);
  CHECK(attribute(*wait, "gateway.coalesce.scope") == "instance");
  CHECK(attribute(*named(spans, "POST /chat"), "gateway.cache") == "COALESCED");
  CHECK_FALSE(named(spans, "chat openai/gpt-oss-20b"));  // the leader's call is in the leader's trace
  // The wait links to the leader's request: its server span, in its own trace (a root: its client
  // sent no traceparent), where the model call it waited on is.
  std::vector<json::object> leader_spans;
  const auto* leader = linked_server_span(col, *wait, leader_spans);
  REQUIRE(leader);
  CHECK(str(leader->at("traceId")) != trace_id);
  CHECK(attribute(*leader, "gateway.cache") == "MISS");
  CHECK(named(leader_spans, "chat openai/gpt-oss-20b"));
  for (const auto& s : leader_spans) CHECK_FALSE(s.contains("links"));  // a leader links to nobody
}

TEST_CASE("otel: a leader whose trace is not recorded is linked to by no follower", "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  // Its client's traceparent says "not sampled": the gateway records nothing of the leader.
  const auto spans = follow_held_leader(env, col, "Faiz neden düşer? [[sim gate=otelunsampled]]", "otelunsampled",
                                        {{"content-type", "application/json"},
                                         {"traceparent", "00-" + std::string(32, 'a') + "-" + client_span + "-00"}});
  const auto* wait = named(spans, "gateway.coalesce.wait");
  REQUIRE(wait);
  CHECK_FALSE(wait->contains("links"));  // no link to spans no backend will ever have
  CHECK(col.spans_of(std::string(32, 'a')).empty());
}

TEST_CASE("otel: a follower of another instance - its claim, then its wait on the leader's copy",
          "[integration][otel][redis]") {
  redis_server server;
  collector col;
  const auto shared = [&](gateway::gateway_config& c) {
    std::string why;
    auto address = gateway::redis::parse_redis_url(server.url(), why);
    REQUIRE(address);
    c.redis = *address;
    c.redis_timeout = std::chrono::seconds(5);  // a loaded test machine must not turn a hit into a miss
  };
  test_env one(exporting_to(col.port(), shared)), two(exporting_to(col.port(), shared));
  for (auto* env : {&one, &two})
    REQUIRE(test_env::eventually([&] {
      return env->request("GET", "/metrics", {}, {}).body.find("gateway_redis_up 1\n") != std::string::npos;
    }));
  const std::string question = "Altın neden yükseliyor? [[sim gate=otelcluster]]";
  client_threads group;
  std::atomic<bool> leader_started{false};
  group.add([&] {
    one.chat_stream(chat_body(question, true), [&](const auto&) {
      leader_started = true;
      return true;
    });
  });
  REQUIRE(test_env::eventually([&] { return leader_started.load(); }));
  stream_result followed;
  group.add([&] { followed = two.stream("/chat", chat_body(question, true), {}, traced()); });
  // The leader's head is out already: the follower's claim finds the flight and it reads the copy,
  // which waits at the gate. Opened once the follower's instance counts it.
  const bool joined = test_env::eventually([&] {
    return two.request("GET", "/metrics", {}, {}).body.find("gateway_shared_followers_total 1\n") != std::string::npos;
  });
  one.sim().open_gate("otelcluster");
  group.join();
  REQUIRE(joined);
  REQUIRE(followed.status == 200);
  CHECK(followed.headers.at("x-cache") == "COALESCED");
  const auto spans = traced_spans(col);
  const auto* claim = named(spans, "gateway.coalesce.claim");
  const auto* wait = named(spans, "gateway.coalesce.wait");
  REQUIRE(claim);
  REQUIRE(wait);
  CHECK(attribute(*claim, "gateway.coalesce.scope") == "cluster");
  CHECK(attribute(*claim, "gateway.coalesce.role") == "follower");
  CHECK(attribute(*wait, "gateway.coalesce.scope") == "cluster");
  CHECK(std::stoull(str(claim->at("endTimeUnixNano"))) <= std::stoull(str(wait->at("startTimeUnixNano"))));
  CHECK_FALSE(named(spans, "chat openai/gpt-oss-20b"));  // the call is in the leader's trace
  CHECK_FALSE(named(spans, "gateway.relay"));
  // The claim links to the leader's request on the other instance (its context came in the
  // question's Redis lock): an operator goes from this trace to the one with the model call.
  std::vector<json::object> leader_spans;
  const auto* leader = linked_server_span(col, *claim, leader_spans);
  REQUIRE(leader);
  CHECK(str(leader->at("traceId")) != trace_id);
  CHECK(named(leader_spans, "chat openai/gpt-oss-20b"));
  const auto* leader_claim = named(leader_spans, "gateway.coalesce.claim");
  REQUIRE(leader_claim);
  CHECK(attribute(*leader_claim, "gateway.coalesce.role") == "leader");
  // The leader's own trace (a root of its own: it came without a traceparent) has its claim too.
  CHECK(test_env::eventually([&] {
    for (const auto& s : col.all())
      if (s.at("name").as_string() == "gateway.coalesce.claim" && attribute(s, "gateway.coalesce.role") == "leader")
        return true;
    return false;
  }));
}

TEST_CASE("otel: a client's unsampled traceparent is honoured, and passed on unchanged", "[integration][otel]") {
  collector col;
  test_env env(exporting_to(col.port()));
  REQUIRE(env.request("POST", "/chat", chat_body("Repo nedir?"), traced("00")).status == 200);
  CHECK(env.sim().stats().last_traceparent == "00-" + trace_id + "-" + client_span + "-00");
  // A request recorded after it shows the exporter works; the unsampled one left nothing.
  REQUIRE(env.chat(chat_body("Swap nedir?")).status == 200);
  REQUIRE(test_env::eventually([&] { return named(col.all(), "POST /chat") != nullptr; }));
  CHECK(col.spans_of(trace_id).empty());
}

TEST_CASE("otel: a collector that is down costs the requests nothing, and the spans are counted as failed",
          "[integration][otel]") {
  unsigned short closed_port = 0;
  {
    collector gone;
    closed_port = gone.port();
  }  // nothing listens there any more
  test_env env(exporting_to(closed_port, [](auto& c) { c.otel.timeout = std::chrono::milliseconds(200); }));
  for (int i = 0; i < 5; ++i) REQUIRE(env.chat(chat_body("Hisse " + std::to_string(i) + " nedir?")).status == 200);
  const auto failed = [&] {
    const auto m = env.request("GET", "/metrics", {}, {}).body;
    const std::string line = "gateway_trace_spans_total{outcome=\"failed\"} ";
    const auto at = m.find(line);
    return at == std::string::npos ? 0 : std::stoi(m.substr(at + line.size()));
  };
  CHECK(test_env::eventually([&] { return failed() >= 5; }));
}

TEST_CASE("otel: a path a client chose never names a span, nor appears in one", "[integration][otel][hostile]") {
  collector col;
  test_env env(exporting_to(col.port()));
  const std::string path = "/no/such/path-" + std::string(200, 'x');
  const auto r = env.request("GET", path, {}, traced());
  CHECK(r.status == 404);
  REQUIRE(test_env::eventually([&] { return !col.spans_of(trace_id).empty(); }));
  const auto spans = col.spans_of(trace_id);
  REQUIRE(spans.size() == 1);
  CHECK(spans.front().at("name").as_string() == "GET");
  CHECK(json::serialize(spans.front()).find("no/such") == std::string::npos);
  CHECK(attribute(spans.front(), "http.response.status_code") == "404");
}

TEST_CASE("otel: a fallback model's answer - the model call says so, the server span names the model that answered",
          "[integration][otel]") {
  collector col;
  const std::string fallback = "llama-3.1-8b-instant";
  test_env env(exporting_to(col.port(), [&](gateway::gateway_config& c) {
    c.fallback_models = {fallback};
    c.upstream_max_retries = 1;
  }));
  const auto r = env.request("POST", "/chat", chat_body("Enflasyon nedir? [[sim status=503 model=openai/gpt-oss-20b]]"), traced());
  REQUIRE(r.status == 200);
  const auto spans = traced_spans(col);
  const auto* call = named(spans, "chat openai/gpt-oss-20b");
  REQUIRE(call);
  CHECK(attribute(*call, "gateway.upstream.fallback") == "true");
  CHECK(attribute(*call, "gateway.upstream.attempts") == "3");  // MODEL and its retry, then the fallback
  CHECK(attribute(*named(spans, "POST /chat"), "gen_ai.response.model") == fallback);
  // One span per attempt, each on its route; the move to the fallback is the call's event.
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 3);
  CHECK(attribute(*attempts[0], "gen_ai.request.model") == "openai/gpt-oss-20b");
  CHECK(attribute(*attempts[1], "gen_ai.request.model") == "openai/gpt-oss-20b");
  CHECK(attribute(*attempts[2], "gen_ai.request.model") == fallback);
  CHECK(attribute(*attempts[2], "http.request.resend_count") == "2");
  const auto* change = event(*call, "route_change");
  REQUIRE(change);
  CHECK(attribute(*change, "gateway.upstream.from") == "key #1 openai/gpt-oss-20b");
  CHECK(attribute(*change, "gateway.upstream.to") == "key #1 " + fallback);
  CHECK(time_of(*change) <= std::stoull(str(attempts[2]->at("startTimeUnixNano"))));
}

TEST_CASE("otel: a wait for a spent budget's reset is the model call's budget_wait event, before the attempt it allowed",
          "[integration][otel]") {
  collector col;
  auto options = exporting_to(col.port(), [](gateway::gateway_config& c) { c.queue_timeout = std::chrono::seconds(10); });
  options.sim = [](gateway::sim::sim_config& c) { c.limits = gateway::sim::sim_limit{1, std::chrono::seconds(2)}; };
  test_env env(options);
  REQUIRE(env.chat(chat_body("Birinci soru?")).status == 200);  // the key's one request in its window
  const auto held = env.request("POST", "/chat", chat_body("İkinci soru?"), traced());
  REQUIRE(held.status == 200);
  const auto spans = traced_spans(col);
  const auto* call = named(spans, "chat openai/gpt-oss-20b");
  REQUIRE(call);
  const auto* wait = event(*call, "budget_wait");
  REQUIRE(wait);
  const auto delay = std::stoll(attribute(*wait, "gateway.budget_wait.delay_ms"));
  CHECK(delay > 0);
  CHECK(delay <= 2000);
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 1);  // nothing was sent that the spent key would have refused
  CHECK(time_of(*wait) <= std::stoull(str(attempts[0]->at("startTimeUnixNano"))));
  CHECK(env.sim().stats().rate_limited == 0);
}

TEST_CASE("otel: a model a /v1 client names stays out of the attempt spans and the events",
          "[integration][otel][hostile]") {
  collector col;
  test_env env(exporting_to(col.port(), [](auto& c) { c.upstream_max_retries = 1; }));
  const std::string model = "client-chosen-model-name";
  const auto body = R"({"model":")" + model +
                    R"(","messages":[{"role":"user","content":"x [[sim status=503 times=1 key=otelv1]]"}]})";
  REQUIRE(env.request("POST", "/v1/chat/completions", body, traced()).status == 200);
  REQUIRE(test_env::eventually([&] { return !col.spans_of(trace_id).empty() && named(col.spans_of(trace_id), "POST /v1/chat/completions"); }));
  const auto spans = col.spans_of(trace_id);
  const auto* call = named(spans, "chat");  // a model not configured here names no span
  REQUIRE(call);
  const auto attempts = all_named(spans, "POST");
  REQUIRE(attempts.size() == 2);
  for (const auto* a : attempts) {
    CHECK(json::serialize(*a).find(model) == std::string::npos);
    CHECK(attribute(*a, "gen_ai.request.model").empty());
  }
  CHECK(json::serialize(call->at("events")).find(model) == std::string::npos);
}

TEST_CASE("otel: a method a client made up never names a span", "[integration][otel][hostile]") {
  collector col;
  test_env env(exporting_to(col.port()));
  // Refused by the request reader (400), before the router: nothing of them is recorded. (Were one
  // to reach the router, its span would be "HTTP ..." with http.request.method "_OTHER".)
  CHECK(env.request("BREW" + std::string(500, 'X'), "/chat", {}, traced()).status == 400);
  CHECK(env.request("BREWCOFFEE", "/chat", {}, traced()).status == 400);
  REQUIRE(env.chat(chat_body("Tahvil nedir?")).status == 200);  // a recorded request after them
  REQUIRE(test_env::eventually([&] { return named(col.all(), "POST /chat") != nullptr; }));
  CHECK(col.spans_of(trace_id).empty());
  for (const auto& s : col.all()) CHECK(json::serialize(s).find("BREW") == std::string::npos);
}

TEST_CASE("otel: clients forcing every request recorded, the collector down - the queue holds its bound, drops are counted",
          "[integration][otel][hostile]") {
  unsigned short closed_port = 0;
  {
    collector gone;
    closed_port = gone.port();
  }
  captured_log log;
  auto options = exporting_to(closed_port, [](auto& c) {
    c.otel.max_queue = 50;
    c.otel.max_batch = 50;
    c.otel.schedule_delay = std::chrono::milliseconds(60'000);  // after a failure, a minute's pause
    c.connection_rate_per_client = 0;  // this client opens a connection per request, 300 at once
  });
  options.log = log.logger(gateway::log_level::warn);
  test_env env(options);
  // Each asks to be sampled (parent-based, the default) on a path that answers at once.
  for (int i = 0; i < 300; ++i) env.request("GET", "/no-such-" + std::to_string(i), {}, traced());
  const auto m = env.request("GET", "/metrics", {}, {}).body;
  const auto count = [&](const std::string& outcome) {
    const std::string line = "gateway_trace_spans_total{outcome=\"" + outcome + "\"} ";
    const auto at = m.find(line);
    return at == std::string::npos ? -1 : std::stoi(m.substr(at + line.size()));
  };
  // One span a request: what is neither failed nor dropped is queued, and the queue holds 50.
  INFO(m);
  CHECK(count("dropped") >= 300 - 50 - count("failed"));
  CHECK(count("failed") <= 50);  // one failed export, then the pause
  CHECK(count("exported") == 0);
  // One log line per failed export, not one per request.
  std::size_t lines = 0;
  const auto text = log.text();
  for (auto at = text.find("traces: export"); at != std::string::npos; at = text.find("traces: export", at + 1)) ++lines;
  CHECK(lines <= 1);
}
