// Micro-benchmarks (Google Benchmark) for the costs that must stay flat as work grows - benchmark 6
// of docs/benchmarks.md: a cache lookup as the cache grows (beside a plain std::unordered_map of the
// same size, the reference), and the per-token cost of relaying and replaying answers as they grow.
// tests/load/scaling.sh runs it and prints the ratios; numbers, not assertions.
#include "cache/cache_key.hpp"
#include "cache/question_normalizer.hpp"
#include "cache/response_cache.hpp"
#include "chat/chat_key.hpp"
#include "chat/question_memo.hpp"
#include "config/gateway_config.hpp"
#include "match/question_canon.hpp"
#include "chat/chat_reply.hpp"
#include "openai/openai_answer.hpp"
#include "pii/pii_event_restorer.hpp"
#include "pii/pii_mapping.hpp"
#include "sse/sse_parser.hpp"
#include "completion/completion.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <unordered_map>

namespace {
using namespace gateway;

cache_key key_of(std::size_t i) { return make_request_key("bench", std::to_string(i)); }

std::vector<cache_key> keys(std::size_t n) {
  std::vector<cache_key> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(key_of(i));
  return out;
}

// Lookups of random present keys in a full cache of `entries` answers (hits).
void cache_find(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  response_cache cache(cache_limits{std::chrono::hours(1), n, std::size_t{1} << 34, 16});
  const auto all = keys(n);
  for (const auto& k : all) cache.store(k, cached_answer{"BIST 100, Borsa İstanbul'un ana endeksidir.", "m", {}, "stop"});
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  for (auto _ : state) benchmark::DoNotOptimize(cache.find(all[pick(rng)]));
  state.counters["entries"] = static_cast<double>(cache.stats().entries);
}
BENCHMARK(cache_find)->RangeMultiplier(10)->Range(100, 100'000);

// The reference: the same lookups in one std::unordered_map, no locks, no LRU, no expiry.
void unordered_map_find(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::unordered_map<cache_key, std::shared_ptr<const cached_answer>, cache_key_hash> map;
  const auto all = keys(n);
  for (const auto& k : all)
    map.emplace(k, std::make_shared<const cached_answer>(cached_answer{"BIST 100", "m", {}, "stop"}));
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  for (auto _ : state) benchmark::DoNotOptimize(map.find(all[pick(rng)]));
}
BENCHMARK(unordered_map_find)->RangeMultiplier(10)->Range(100, 100'000);

std::string answer_of(std::size_t tokens) {
  std::string out;
  for (std::size_t i = 0; i < tokens; ++i) out += i % 7 == 0 ? " İstanbul" : " borsa";
  return out;
}

// A whole upstream stream of `tokens` chunks through the SSE parser and the chunk reader, in
// 8 KiB reads: what a streamed answer costs the gateway apart from the sockets. Per token, flat.
void relay_parse(benchmark::State& state) {
  const auto tokens = static_cast<std::size_t>(state.range(0));
  std::string wire;
  for (std::size_t i = 0; i < tokens; ++i)
    wire += fmt::format(R"(data: {{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{{"index":0,"delta":{{"content":" token{}"}},"finish_reason":null}}]}})"
                        "\n\n",
                        i);
  for (auto _ : state) {
    sse_parser parser;
    std::size_t deltas = 0;
    for (std::size_t at = 0; at < wire.size(); at += 8192) {
      parser.feed(std::string_view(wire).substr(at, 8192));
      while (auto ev = parser.next()) deltas += parse_stream_chunk(ev->data)->content.empty() ? 0 : 1;
    }
    benchmark::DoNotOptimize(deltas);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * tokens));
}
BENCHMARK(relay_parse)->Arg(100)->Arg(500)->Arg(1000)->Arg(4000);

// A cached answer of `tokens` tokens replayed as OpenAI chunks (the stream cache hit).
void replay_openai(benchmark::State& state) {
  cached_answer a{answer_of(static_cast<std::size_t>(state.range(0))), "m", token_usage{1, 2, 3}, "stop"};
  for (auto _ : state) benchmark::DoNotOptimize(openai_stream_replay(a, true));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(replay_openai)->Arg(100)->Arg(500)->Arg(1000)->Arg(4000);

// The same for /chat's delta events.
void replay_chat(benchmark::State& state) {
  const auto answer = answer_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(sse_replay(answer));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(replay_chat)->Arg(100)->Arg(500)->Arg(1000)->Arg(4000);

// PII_PROTECTION (lib/pii). Every request pays the search; a request with values pays the copy
// with placeholders; a streamed answer of such a request pays the restore per token. Beside them,
// the same bytes copied (the floor) - and question_canon_cold below, a search of the same order.
const std::string pii_plain_question =
    "BIST 100 endeksi bugün yüzde 2,5 yükseldi; 1.250.000 TL ile 1000 lot THYAO almalı mıyım, "
    "29.10.2024 tatilinde emir verebilir miyim?";
const std::string pii_values_question =
    "IBAN'ım TR61 0006 4069 7021 7387 9329 23, TC 29805781730, tel 0532 123 45 67: BIST 100 fonuna "
    "1.250.000 TL EFT ne zaman geçer?";

void pii_search_plain_question(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(find_pii(pii_plain_question));
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * pii_plain_question.size()));
}
BENCHMARK(pii_search_plain_question);

void pii_pseudonymise_question(benchmark::State& state) {
  for (auto _ : state) {
    pii_mapping m;
    m.reserve(pii_values_question);
    benchmark::DoNotOptimize(m.pseudonymise(pii_values_question, pii_kinds::all()));
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * pii_values_question.size()));
}
BENCHMARK(pii_pseudonymise_question);

void reference_copy_question(benchmark::State& state) {
  for (auto _ : state) {
    std::string copy(pii_values_question);
    benchmark::DoNotOptimize(copy.data());
  }
  state.SetBytesProcessed(
      static_cast<std::int64_t>(state.iterations() * pii_values_question.size()));
}
BENCHMARK(reference_copy_question);

// A /chat stream of `tokens` delta events, one placeholder every 20 tokens cut across two events,
// restored for one client (pii_event_restorer, as relay_pipeline::client_bytes runs it). Per token.
std::vector<std::string> pii_stream_events(std::size_t tokens) {
  std::vector<std::string> events;
  for (std::size_t i = 0; i < tokens; ++i) {
    const auto text = i % 20 == 0   ? std::string(" [IB")
                      : i % 20 == 1 ? std::string("AN_1]")
                                    : std::string(" borsa");
    events.push_back(sse_delta(text));
  }
  return events;
}

void pii_restore_stream(benchmark::State& state) {
  const auto events = pii_stream_events(static_cast<std::size_t>(state.range(0)));
  pii_mapping m;
  (void)m.pseudonymise("TR61 0006 4069 7021 7387 9329 23", pii_kinds::all());
  std::string out;
  for (auto _ : state) {
    pii_event_restorer r(m, "delta");
    for (const auto& e : events) {
      out.clear();
      r.feed(e, out);
      benchmark::DoNotOptimize(out.data());
    }
    r.finish(out);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(pii_restore_stream)->Arg(1000);

// The same events without placeholders: what a request with values pays per ordinary token.
void pii_restore_stream_plain(benchmark::State& state) {
  std::vector<std::string> events(static_cast<std::size_t>(state.range(0)), sse_delta(" borsa"));
  pii_mapping m;
  (void)m.pseudonymise("TR61 0006 4069 7021 7387 9329 23", pii_kinds::all());
  std::string out;
  for (auto _ : state) {
    pii_event_restorer r(m, "delta");
    for (const auto& e : events) {
      out.clear();
      r.feed(e, out);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(pii_restore_stream_plain)->Arg(1000);

// The floor: the same events copied into the client's string.
void reference_copy_stream(benchmark::State& state) {
  const auto events = pii_stream_events(static_cast<std::size_t>(state.range(0)));
  std::string out;
  for (auto _ : state) {
    for (const auto& e : events) {
      out.assign(e);
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(reference_copy_stream)->Arg(1000);

}  // namespace

// The question-to-answer path of /chat with CACHE_MATCH=exact and =similar, in a cache of `entries`
// answers: the question memo (chat/question_memo.hpp, as in the gateway) or, for a question not in
// it, normalize, the similar-question form and the key; then the lookup. Lookups cost the same at 100 and 100,000 entries: the form is the key.
std::vector<std::string> questions(std::size_t n) {
  static const char* topics[] = {"BIST {} endeksi nedir?", "Yüzde {} faiz ne kadar getirir?", "{} TL kaç dolar?",
                                 "Yatırım fonları {} yılında nasıl vergilendirilir?"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(fmt::format(fmt::runtime(topics[i % 4]), i));
  return out;
}

void question_lookup(benchmark::State& state, bool similar) {
  const auto n = static_cast<std::size_t>(state.range(0));
  gateway_config cfg;
  cfg.cache_match_similar = similar;
  const chat_key_builder keys(cfg);
  const question_normalizer normalize;
  const auto canon = question_canon::builtin();
  const auto all = questions(n);
  const question_memo memo;
  const auto key_of_question = [&](const std::string& q) {
    if (auto known = memo.find(q)) return known->key;
    auto text = normalize(q);
    cache_key key{};
    if (!similar) {
      key = keys(text, {});
    } else {
      const auto form = (*canon)(text);
      key = keys(form.text, {}, form.similar);
    }
    memo.put(q, {std::move(text), key});
    return key;
  };
  // Room for all (shards fill unevenly): every asked question is a hit.
  response_cache cache(cache_limits{std::chrono::hours(1), 4 * n, std::size_t{1} << 34, 16});
  for (const auto& q : all) cache.store(key_of_question(q), cached_answer{"Yanıt.", "m", {}, "stop"});
  // The asked questions repeat (what a cache serves): a working set of 64 questions.
  std::mt19937_64 rng(1);
  std::uniform_int_distribution<std::size_t> pick(0, std::min<std::size_t>(n, 64) - 1);
  std::size_t hits = 0;
  for (auto _ : state) hits += cache.find(key_of_question(all[pick(rng)])) != nullptr;
  state.counters["hit_rate"] = static_cast<double>(hits) / static_cast<double>(state.iterations());
}
void question_lookup_exact(benchmark::State& state) { question_lookup(state, false); }
void question_lookup_similar(benchmark::State& state) { question_lookup(state, true); }
BENCHMARK(question_lookup_exact)->Arg(100)->Arg(100'000);
BENCHMARK(question_lookup_similar)->Arg(100)->Arg(100'000);

// A question seen for the first time: the similar-question form without the memo.
void question_canon_cold(benchmark::State& state) {
  const question_normalizer normalize;
  const auto canon = question_canon::builtin();
  std::vector<std::string> folded;
  for (const auto& q : questions(256)) folded.push_back(normalize(q));
  std::size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize((*canon)(folded[i++ % folded.size()]));
}
BENCHMARK(question_canon_cold);

// A first-seen question at MAX_QUESTION_CHARS (4,000 characters): the form of a long question is
// its exact text (more than 16 tokens), and reading stops at the 17th token. Reports the 99th
// percentile of single calls beside the mean (the goal: 10 us at p99).
void question_canon_cold_4000(benchmark::State& state) {
  const question_normalizer normalize;
  const auto canon = question_canon::builtin();
  std::vector<std::string> folded;
  for (int v = 0; v < 64; ++v) {
    std::string q;
    while (q.size() < 4000) q += fmt::format("Yatırım fonları {} yılında nasıl vergilendirilir ve getirisi ne olur? ", v);
    q.resize(4000);
    folded.push_back(normalize(q));
  }
  // A 4,000-character single word too: nothing splits it, it is read letter by letter.
  folded.push_back(normalize(std::string(4000, 'a')));
  std::vector<double> ns;
  std::size_t i = 0;
  for (auto _ : state) {
    const auto start = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize((*canon)(folded[i++ % folded.size()]));
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["p99_us"] = ns.empty() ? 0 : ns[ns.size() * 99 / 100] / 1000;
}
BENCHMARK(question_canon_cold_4000);

BENCHMARK_MAIN();
