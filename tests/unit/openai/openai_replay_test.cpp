// A replay is the answer, field by field: for every shape of answer groq-sim gives (a reasoning model
// or not, each finish reason, short, empty and long answers, answer= text with escapes, stream with
// and without include_usage), the answer stored from its JSON body or from its stream - kept in
// memory, or through the entry codec as the shared tier keeps it - replays as JSON and as a stream
// to what the fresh answer showed in that form. Fields compared: what the cache keeps (id, created,
// model, role, content, reasoning and whether it is there, finish_reason, usage token counts) and
// for streams where they come (role first, reasoning before content, finish, then usage).
#include "cache/entry_codec.hpp"
#include "openai/openai_answer.hpp"
#include "relay/relay_format.hpp"
#include "tools/sim/sim_answer.hpp"
#include "sse/sse_parser.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <array>
#include <optional>
#include <ostream>

using namespace gateway;
namespace json = boost::json;

namespace {

using counts = std::array<std::int64_t, 3>;  // prompt, completion, total

std::optional<counts> counts_of(const json::value* usage) {
  if (!usage || !usage->is_object()) return std::nullopt;
  const auto& u = usage->get_object();
  return counts{u.at("prompt_tokens").to_number<std::int64_t>(), u.at("completion_tokens").to_number<std::int64_t>(),
                u.at("total_tokens").to_number<std::int64_t>()};
}

// What a client sees of one answer, in either form.
struct seen {
  std::string id;
  std::int64_t created = 0;
  std::string model;
  std::vector<std::string> roles;
  std::string content;
  std::optional<std::string> reasoning;  // nullopt: no reasoning field at all
  std::string finish_reason;
  std::optional<counts> usage;        // JSON: usage; stream: the finish chunk's x_groq.usage
  // Streams only:
  std::string order;                  // r(ole) R(easoning) c(ontent) f(inish) u(sage chunk), repeats merged
  std::optional<counts> usage_chunk;  // the chunk with empty choices (include_usage)
  bool same_head = true;              // every chunk had the first one's id, created and model
  bool done = false;                  // data: [DONE] last

  bool operator==(const seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const seen& s) {
  return os << "{id=" << s.id << " created=" << s.created << " model=" << s.model << " roles=" << s.roles.size()
            << " content=" << s.content << " reasoning=" << s.reasoning.value_or("(none)")
            << " finish=" << s.finish_reason << " usage=" << (s.usage ? (*s.usage)[2] : -1) << " order=" << s.order
            << " usage_chunk=" << (s.usage_chunk ? (*s.usage_chunk)[2] : -1) << " same_head=" << s.same_head
            << " done=" << s.done << "}";
}

seen seen_in_json(const std::string& body) {
  const auto v = json::parse(body);
  seen s;
  s.id = v.at("id").as_string();
  s.created = v.at("created").to_number<std::int64_t>();
  s.model = v.at("model").as_string();
  REQUIRE(v.at("object") == "chat.completion");
  REQUIRE(v.at("choices").as_array().size() == 1);
  const auto& choice = v.at("choices").at(0);
  CHECK(choice.at("index") == 0);
  const auto& m = choice.at("message").as_object();
  s.roles.emplace_back(m.at("role").as_string());
  s.content = m.at("content").as_string();
  if (const auto* r = m.if_contains("reasoning")) s.reasoning = std::string(r->as_string());
  s.finish_reason = choice.at("finish_reason").as_string();
  s.usage = counts_of(v.as_object().if_contains("usage"));
  return s;
}

seen seen_in_stream(const std::string& events) {
  sse_parser parser;
  REQUIRE(parser.feed(events));
  seen s;
  bool first = true;
  const auto mark = [&s](char c) {
    if (s.order.empty() || s.order.back() != c) s.order += c;
  };
  while (auto ev = parser.next()) {
    REQUIRE_FALSE(s.done);  // nothing after [DONE]
    if (ev->data == "[DONE]") {
      s.done = true;
      continue;
    }
    const auto v = json::parse(ev->data);
    REQUIRE(v.at("object") == "chat.completion.chunk");
    const std::string id(v.at("id").as_string()), model(v.at("model").as_string());
    const auto created = v.at("created").to_number<std::int64_t>();
    if (first) {
      s.id = id;
      s.created = created;
      s.model = model;
      first = false;
    }
    s.same_head = s.same_head && id == s.id && created == s.created && model == s.model;
    const auto& choices = v.at("choices").as_array();
    if (choices.empty()) {
      s.usage_chunk = counts_of(v.as_object().if_contains("usage"));
      mark('u');
      continue;
    }
    REQUIRE(choices.size() == 1);
    const auto& delta = choices[0].at("delta").as_object();
    if (const auto* role = delta.if_contains("role")) {
      s.roles.emplace_back(role->as_string());
      mark('r');
    }
    if (const auto* r = delta.if_contains("reasoning")) {
      s.reasoning = s.reasoning.value_or("") + std::string(r->as_string());
      mark('R');
    }
    if (const auto* c = delta.if_contains("content"); c && !c->as_string().empty()) {
      s.content += c->as_string();
      mark('c');
    }
    if (const auto& fr = choices[0].at("finish_reason"); fr.is_string()) {
      s.finish_reason = fr.as_string();
      if (const auto* xg = v.as_object().if_contains("x_groq")) s.usage = counts_of(xg->as_object().if_contains("usage"));
      mark('f');
    }
  }
  return s;
}

// The fields a JSON answer and a stream have in common.
seen common(seen s) {
  s.order.clear();
  s.usage_chunk.reset();
  s.done = false;
  s.same_head = true;
  return s;
}

// Collects a stream's events the way openai_format does, one event's data at a time.
std::optional<cached_answer> collect(const std::string& events) {
  sse_parser parser;
  REQUIRE(parser.feed(events));
  openai_stream_collector collector;
  while (auto ev = parser.next()) {
    if (ev->data == "[DONE]") continue;
    REQUIRE(collector.add(ev->data));
  }
  return std::move(collector).finish();
}

// The entry as another instance reads it from the shared tier: through the codec, hit_body lost.
cached_answer through_codec(const cached_answer& a) {
  const auto back = decode_entry(encode_entry(a));
  REQUIRE(back);
  CHECK(back->hit_body.empty());
  return *back;
}

struct shape {
  std::string model;
  std::string question;
  unsigned max_tokens;
};

}  // namespace

TEST_CASE("openai replay: every answer groq-sim gives replays to the fresh answer, field by field, in both forms",
          "[openai][cache][sim]") {
  std::vector<shape> shapes;
  for (const std::string model : {"openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3-32b"}) {
    for (const std::string question :
         {"BIST 100 nedir?", "Temettü verimi nedir? 📈", "Enflasyon neden yükselir?", "Swap nedir?", "x",
          "Kur nedir? [[sim tokens=0]]", "Faiz? [[sim tokens=1]]", "Uzun yanıt [[sim tokens=200]]",
          "Kaçış [[sim answer=%22t%C4%B1rnak%22%20ve%20%5C%20ters%0Asat%C4%B1r%20%3C/script%3E%20%F0%9F%99%82]]"}) {
      shapes.push_back({model, question, 1024});  // finish_reason stop
      shapes.push_back({model, question, 5});     // cut to 5 tokens: length (when it was longer)
    }
  }
  std::size_t with_reasoning = 0, cut = 0;
  std::int64_t n = 0;
  for (const auto& sh : shapes) {
    auto answer = sim::plan_answer(sh.model, sh.question, sim::parse_directives(sh.question), sh.max_tokens, 48);
    answer.id = "chatcmpl-sim-" + std::to_string(++n);
    answer.created = 1764300000 + n;
    answer.prompt_tokens = 20 + static_cast<std::uint64_t>(n % 7);
    answer.seconds = 0.25;
    with_reasoning += !answer.reasoning.empty();
    cut += answer.finish_reason == "length";
    INFO(sh.model << " | " << sh.question << " | max " << sh.max_tokens << " | " << answer.finish_reason);

    // The fresh answer in each form, as groq-sim sends it; the two forms agree with each other.
    const auto body = sim::completion_body(answer);
    const std::array<std::string, 2> streams = {sim::stream_events(answer, false), sim::stream_events(answer, true)};
    const auto fresh_json = seen_in_json(body);
    std::array<seen, 2> fresh_stream;
    for (const bool usage : {false, true}) {
      fresh_stream[usage] = seen_in_stream(streams[usage]);
      CHECK(common(fresh_stream[usage]) == fresh_json);
      CHECK(fresh_stream[usage].same_head);
      CHECK(fresh_stream[usage].done);
    }
    CHECK(fresh_json.reasoning.has_value() == sim::model_reasons(sh.model));

    // Stored from the JSON body, or from either stream; each kept in memory or read back through
    // the codec; each replayed as JSON and as both kinds of stream.
    std::vector<std::pair<std::string, cached_answer>> stored;
    auto from_json = openai_answer_from_json(body);
    REQUIRE(from_json);
    CHECK(openai_json_body(*from_json) == body);  // in memory: the upstream's body byte for byte
    stored.emplace_back("json", *from_json);
    stored.emplace_back("json, shared tier", through_codec(*from_json));
    for (const bool usage : {false, true}) {
      auto from_stream = collect(streams[usage]);
      REQUIRE(from_stream);
      const std::string form = usage ? "stream with usage" : "stream";
      stored.emplace_back(form, *from_stream);
      stored.emplace_back(form + ", shared tier", through_codec(*from_stream));
    }
    for (const auto& [form, entry] : stored) {
      INFO("stored from " << form);
      CHECK(storable(entry));  // stop or length: every one of them is cached
      CHECK(seen_in_json(openai_json_body(entry)) == fresh_json);
      for (const bool usage : {false, true}) {
        INFO("replayed as a stream" << (usage ? " with usage" : ""));
        CHECK(seen_in_stream(openai_stream_replay(entry, usage)) == fresh_stream[usage]);
      }
    }
  }
  // The shapes above cover what they claim.
  CHECK(with_reasoning == shapes.size() * 2 / 3);
  CHECK(cut > 0);
  CHECK(cut < shapes.size());
}
