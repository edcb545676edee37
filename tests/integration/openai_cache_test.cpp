// The response cache and coalescing on the OpenAI endpoint: one entry per canonical request body
// (without stream/stream_options), replayed as JSON or as chunks in the upstream's format.
#include "support/client_threads.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <atomic>

using namespace test;
namespace json = boost::json;

namespace {

const std::string target = "/v1/chat/completions";

std::string completion(const std::string& question, const std::string& extra = {}) {
  json::object body{{"model", "openai/gpt-oss-20b"},
                    {"messages", json::array{json::object{{"role", "user"}, {"content", question}}}}};
  auto out = json::serialize(body);
  if (!extra.empty()) out.insert(out.size() - 1, "," + extra);
  return out;
}

std::string streamed(const std::string& question, bool usage = false) {
  return completion(question, usage ? R"("stream":true,"stream_options":{"include_usage":true})" : R"("stream":true)");
}

bool is_content(const gateway::sse_event& ev) { return ev.data.find("\"content\":\"") != std::string::npos; }

std::string content_of(const http_result& r) { return str(r.json().at("choices").at(0).at("message").at("content")); }

// message.reasoning of a JSON answer; nullopt when it has none.
std::optional<std::string> reasoning_of(const http_result& r) {
  const auto body = r.json();
  if (const auto* v = body.at("choices").at(0).at("message").as_object().if_contains("reasoning")) return str(*v);
  return std::nullopt;
}

// Whether every reasoning delta of a stream comes before its first content delta, and one came.
bool reasons_before_content(const stream_result& r) {
  bool reasoning = false, content = false;
  for (const auto& ev : r.events) {
    if (ev.data == "[DONE]") continue;
    const auto v = json::parse(ev.data);
    if (v.at("choices").as_array().empty()) continue;
    const auto& delta = v.at("choices").at(0).at("delta").as_object();
    if (delta.contains("reasoning")) {
      if (content) return false;
      reasoning = true;
    }
    if (const auto* c = delta.if_contains("content"); c && !c->as_string().empty()) content = true;
  }
  return reasoning && content;
}

// The id, created and model every chunk of a stream names (they must agree).
json::object stream_head(const stream_result& r) {
  json::object head;
  for (const auto& ev : r.events) {
    if (ev.data == "[DONE]") continue;
    const auto v = json::parse(ev.data).as_object();
    const json::object mine{{"id", v.at("id")}, {"created", v.at("created")}, {"model", v.at("model")}};
    if (head.empty()) head = mine;
    CHECK(mine == head);
  }
  return head;
}

}  // namespace

TEST_CASE("openai cache: a repeated completion is a hit, byte for byte, without an upstream call",
          "[integration][openai][cache]") {
  test_env env;
  const auto first = env.request("POST", target, completion("BIST 100 nedir?"));
  REQUIRE(first.status == 200);
  CHECK(first.headers.at("x-cache") == "MISS");
  const auto second = env.request("POST", target, completion("BIST 100 nedir?"));
  REQUIRE(second.status == 200);
  CHECK(second.headers.at("x-cache") == "HIT");
  CHECK(second.body == first.body);
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("openai cache: the key is the canonical body - order and spacing do not matter, content does",
          "[integration][openai][cache]") {
  test_env env;
  const std::string a = R"({"model":"openai/gpt-oss-20b","temperature":0.2,"messages":[{"role":"user","content":"Faiz nedir?"}]})";
  const std::string b =
      R"({ "messages": [ {"content": "Faiz nedir?", "role": "user"} ], "temperature": 0.20, "model": "openai/gpt-oss-20b" })";
  REQUIRE(env.request("POST", target, a).headers.at("x-cache") == "MISS");
  CHECK(env.request("POST", target, b).headers.at("x-cache") == "HIT");
  // Anything that can change the answer is part of the key.
  const std::string other_temperature =
      R"({"model":"openai/gpt-oss-20b","temperature":0.3,"messages":[{"role":"user","content":"Faiz nedir?"}]})";
  const std::string other_question =
      R"({"model":"openai/gpt-oss-20b","temperature":0.2,"messages":[{"role":"user","content":"Faiz ne?"}]})";
  CHECK(env.request("POST", target, other_temperature).headers.at("x-cache") == "MISS");
  CHECK(env.request("POST", target, other_question).headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().completions == 3);
}

TEST_CASE("openai cache: a JSON answer replayed as a stream reads like a live one", "[integration][openai][cache]") {
  test_env env;
  const std::string question = "Temettü verimi nedir? Çok uzun mu? 📈";
  const auto live = env.request("POST", target, completion(question));
  REQUIRE(live.status == 200);
  const auto replay = env.stream(target, streamed(question, true));
  REQUIRE(replay.status == 200);
  CHECK(replay.headers.at("x-cache") == "HIT");
  CHECK(replay.headers.at("content-type").starts_with("text/event-stream"));
  CHECK(replay.text == content_of(live));
  CHECK(replay.roles == std::vector<std::string>{"assistant"});  // the first delta, only there
  CHECK(replay.finish_reason == "stop");
  REQUIRE(replay.usage);
  // The token counts (Groq's timing fields of the live answer are not replayed).
  for (const auto* count : {"prompt_tokens", "completion_tokens", "total_tokens"})
    CHECK(replay.usage->at(count) == live.json().at("usage").at(count));
  CHECK(replay.saw_done_marker);
  CHECK_FALSE(replay.error);
  // The usage chunk comes last, with no choices; every chunk names the live answer's id.
  const auto last = json::parse(replay.events[replay.events.size() - 2].data);
  CHECK(last.at("choices").as_array().empty());
  for (std::size_t i = 0; i + 1 < replay.events.size(); ++i) {
    const auto chunk = json::parse(replay.events[i].data);
    CHECK(chunk.at("object") == "chat.completion.chunk");
    CHECK(chunk.at("id") == live.json().at("id"));
  }
  // Without include_usage there is no usage chunk, but the finish chunk still closes it.
  const auto no_usage = env.stream(target, streamed(question));
  CHECK(no_usage.headers.at("x-cache") == "HIT");
  CHECK(no_usage.text == content_of(live));
  CHECK(no_usage.finish_reason == "stop");
  CHECK_FALSE(json::parse(no_usage.events[no_usage.events.size() - 2].data).at("choices").as_array().empty());
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("openai cache: a streamed answer replayed as JSON and as a stream", "[integration][openai][cache]") {
  test_env env;
  const std::string question = "Enflasyon neden yükselir? Ğ ü ş ı ö ç 🙂";
  const auto live = env.stream(target, streamed(question));
  REQUIRE(live.status == 200);
  CHECK(live.headers.at("x-cache") == "MISS");
  REQUIRE(live.finish_reason == "stop");
  const auto json_hit = env.request("POST", target, completion(question));
  REQUIRE(json_hit.status == 200);
  CHECK(json_hit.headers.at("x-cache") == "HIT");
  const auto v = json_hit.json();
  CHECK(v.at("object") == "chat.completion");
  CHECK(v.at("choices").at(0).at("message").at("role") == "assistant");
  CHECK(content_of(json_hit) == live.text);
  CHECK(v.at("choices").at(0).at("finish_reason") == "stop");
  CHECK(v.at("usage").at("completion_tokens").as_int64() > 0);  // from Groq's x_groq.usage
  const auto stream_hit = env.stream(target, streamed(question, true));
  CHECK(stream_hit.headers.at("x-cache") == "HIT");
  CHECK(stream_hit.text == live.text);
  REQUIRE(stream_hit.usage);
  CHECK(stream_hit.usage->at("completion_tokens") == v.at("usage").at("completion_tokens"));
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("openai cache: a replay carries the reasoning the fresh answer carried, stream and JSON, either way round",
          "[integration][openai][cache]") {
  test_env env;
  // Stored from a stream (gpt-oss, the default MODEL: reasoning deltas before the content).
  const std::string streamed_first = "Borsa İstanbul'da endeks nasıl hesaplanır? 📈";
  const auto live = env.stream(target, streamed(streamed_first, true));
  REQUIRE(live.status == 200);
  CHECK(live.headers.at("x-cache") == "MISS");
  REQUIRE(live.reasoning);
  CHECK_FALSE(live.reasoning->empty());
  CHECK(reasons_before_content(live));
  const auto replay = env.stream(target, streamed(streamed_first, true));
  REQUIRE(replay.status == 200);
  CHECK(replay.headers.at("x-cache") == "HIT");
  CHECK(replay.reasoning == live.reasoning);
  CHECK(reasons_before_content(replay));
  CHECK(replay.text == live.text);
  CHECK(replay.roles == live.roles);
  CHECK(replay.finish_reason == live.finish_reason);
  REQUIRE(replay.usage);
  CHECK(*replay.usage == json::object{{"prompt_tokens", live.usage->at("prompt_tokens")},
                                      {"completion_tokens", live.usage->at("completion_tokens")},
                                      {"total_tokens", live.usage->at("total_tokens")}});
  CHECK(stream_head(replay) == stream_head(live));
  const auto as_json = env.request("POST", target, completion(streamed_first));
  CHECK(as_json.headers.at("x-cache") == "HIT");
  CHECK(reasoning_of(as_json) == live.reasoning);
  CHECK(content_of(as_json) == live.text);
  CHECK(as_json.json().at("id") == stream_head(live).at("id"));

  // Stored from a JSON answer (message.reasoning), replayed as a stream.
  const std::string json_first = "Vadeli işlem nedir? Ğ ü ş";
  const auto live_json = env.request("POST", target, completion(json_first));
  REQUIRE(live_json.status == 200);
  REQUIRE(reasoning_of(live_json));
  const auto stream_replay = env.stream(target, streamed(json_first));
  CHECK(stream_replay.headers.at("x-cache") == "HIT");
  CHECK(stream_replay.reasoning == reasoning_of(live_json));
  CHECK(reasons_before_content(stream_replay));
  CHECK(stream_replay.text == content_of(live_json));
  CHECK(stream_head(stream_replay).at("id") == live_json.json().at("id"));
  CHECK(env.sim().stats().completions == 2);

  // A model that does not reason: no reasoning, fresh or replayed.
  const std::string qwen =
      R"({"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"Repo nedir?"}],"stream":true})";
  const auto fresh = env.stream(target, qwen);
  REQUIRE(fresh.status == 200);
  CHECK_FALSE(fresh.reasoning);
  const auto again = env.stream(target, qwen);
  CHECK(again.headers.at("x-cache") == "HIT");
  CHECK_FALSE(again.reasoning);
  CHECK(again.text == fresh.text);
}

TEST_CASE("openai cache: no-cache bypasses and refreshes, and n, tools and logprobs are never cached",
          "[integration][openai][cache]") {
  test_env env;
  const std::string question = "Repo faizi nedir?";
  REQUIRE(env.request("POST", target, completion(question)).headers.at("x-cache") == "MISS");
  const auto bypass =
      env.request("POST", target, completion(question), {{"content-type", "application/json"}, {"cache-control", "no-cache"}});
  CHECK(bypass.status == 200);
  CHECK(bypass.headers.at("x-cache") == "BYPASS");
  CHECK(env.sim().stats().completions == 2);
  CHECK(env.request("POST", target, completion(question)).headers.at("x-cache") == "HIT");

  for (const std::string extra : {R"("n":2)", R"("logprobs":true)",
                                  R"("tools":[{"type":"function","function":{"name":"price","parameters":{}}}])"}) {
    INFO(extra);
    const auto before = env.sim().stats().completions;
    const auto one = env.request("POST", target, completion(question, extra));
    const auto two = env.request("POST", target, completion(question, extra));
    CHECK(one.headers.count("x-cache") == 0);  // not cacheable: no cache status at all
    CHECK(two.headers.count("x-cache") == 0);
    CHECK(env.sim().stats().completions == before + 2);
  }
}

TEST_CASE("openai cache: errors and cut streams are not cached", "[integration][openai][cache]") {
  test_env env(with_gateway([](auto& c) { c.upstream_max_retries = 0; }));
  const std::string limited = "Borsa düşer mi? [[sim status=429 retry_after=3]]";
  CHECK(env.request("POST", target, completion(limited)).status == 429);
  CHECK(env.request("POST", target, completion(limited)).headers.at("x-cache") == "MISS");
  const std::string broken = "Altın mı dolar mı? [[sim error_after=2]]";
  const auto cut = env.stream(target, streamed(broken));
  REQUIRE(cut.status == 200);
  CHECK(cut.error);
  CHECK_FALSE(cut.saw_done_marker);
  CHECK(env.stream(target, streamed(broken)).headers.at("x-cache") == "MISS");
  CHECK(env.sim().stats().completions == 4);
}

TEST_CASE("openai coalescing: concurrent identical streams share one upstream call, chunk for chunk",
          "[integration][openai][coalescing]") {
  test_env env;
  constexpr int n = 8;
  const std::string question = "Kur korumalı mevduat nedir? [[sim gate=openai-eight]]";
  std::vector<stream_result> results(n);
  std::atomic<int> first_contents{0};
  client_threads group;
  auto run = [&](int i) {
    return [&, i] {
      bool seen = false;
      results[i] = env.stream(target, streamed(question), [&](const auto& ev) {
        if (!seen && is_content(ev)) {
          seen = true;
          ++first_contents;
        }
        return true;
      });
    };
  };
  group.add(run(0));
  const bool leading = test_env::eventually([&] { return first_contents == 1; });
  for (int i = 1; i < n && leading; ++i) group.add(run(i));
  // Every follower got content while the upstream was still held: the leader's chunks, as they came.
  const bool all_streaming = leading && test_env::eventually([&] { return first_contents == n; });
  env.sim().open_gate("openai-eight");
  group.join();

  REQUIRE(all_streaming);
  CHECK(env.sim().stats().completions == 1);
  int coalesced = 0;
  for (const auto& r : results) {
    REQUIRE(r.status == 200);
    CHECK(r.text == results[0].text);
    CHECK(r.reasoning == results[0].reasoning);
    CHECK(r.roles == std::vector<std::string>{"assistant"});
    CHECK(r.finish_reason == "stop");
    CHECK(r.saw_done_marker);
    CHECK(r.events.size() == results[0].events.size());  // the same chunks, not a re-chunked replay
    coalesced += r.headers.at("x-cache") == "COALESCED";
  }
  CHECK(coalesced == n - 1);
}

TEST_CASE("openai coalescing: followers of another format get the answer replayed in theirs",
          "[integration][openai][coalescing]") {
  test_env env;
  const std::string question = "Swap nedir? [[sim hold=openai-mixed]]";
  stream_result leader, with_usage;
  http_result json_follower;
  client_threads group;
  group.add([&] { leader = env.stream(target, streamed(question)); });
  const bool leading = test_env::eventually([&] { return env.gateway().coalescing().led == 1; });
  if (leading) {
    group.add([&] { with_usage = env.stream(target, streamed(question, true)); });
    group.add([&] { json_follower = env.request("POST", target, completion(question)); });
  }
  const bool joined = leading && test_env::eventually([&] { return env.gateway().coalescing().coalesced == 2; });
  env.sim().open_gate("openai-mixed");
  group.join();

  REQUIRE(joined);
  REQUIRE(leader.status == 200);
  CHECK(leader.headers.at("x-cache") == "MISS");
  REQUIRE(with_usage.status == 200);
  CHECK(with_usage.headers.at("x-cache") == "COALESCED");
  CHECK(with_usage.text == leader.text);
  REQUIRE(leader.reasoning);  // gpt-oss reasons: the replays must carry it too
  CHECK(with_usage.reasoning == leader.reasoning);
  CHECK(reasons_before_content(with_usage));
  CHECK(with_usage.finish_reason == "stop");
  CHECK(with_usage.usage);  // the leader did not ask for it; the replay still ends with it
  REQUIRE(json_follower.status == 200);
  CHECK(json_follower.headers.at("x-cache") == "COALESCED");
  CHECK(content_of(json_follower) == leader.text);
  CHECK(reasoning_of(json_follower) == leader.reasoning);
  CHECK(env.sim().stats().completions == 1);
}

TEST_CASE("openai coalescing: an upstream refusal reaches every waiter with its status",
          "[integration][openai][coalescing]") {
  test_env env(with_gateway([](auto& c) { c.upstream_max_retries = 0; }));
  const std::string question = "Hisse alınır mı? [[sim hold=openai-429 status=429 retry_after=5]]";
  std::vector<http_result> results(3);
  client_threads group;
  group.add([&] { results[0] = env.request("POST", target, completion(question)); });
  const bool leading = test_env::eventually([&] { return env.gateway().coalescing().led == 1; });
  for (int i = 1; i < 3 && leading; ++i) group.add([&, i] { results[i] = env.request("POST", target, completion(question)); });
  const bool joined = leading && test_env::eventually([&] { return env.gateway().coalescing().coalesced == 2; });
  env.sim().open_gate("openai-429");
  group.join();

  REQUIRE(joined);
  for (const auto& r : results) {
    CHECK(r.status == 429);
    CHECK(r.headers.at("retry-after") == "5");
    CHECK(r.json().at("error").at("type") == "rate_limit_error");
  }
  CHECK(env.sim().stats().completions == 1);
}
