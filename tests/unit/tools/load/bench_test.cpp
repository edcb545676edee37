// chat-bench's pure parts: the histogram, the stream check (at every split point), the command
// line and the question source.
#include "tools/load/bench_config.hpp"
#include "tools/load/hdr_histogram.hpp"
#include "tools/load/question_source.hpp"
#include "tools/load/stream_check.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <set>

using namespace gateway::bench;

TEST_CASE("hdr histogram: quantiles within 1/128 of the exact ones, over many magnitudes", "[bench]") {
  hdr_histogram h;
  std::vector<std::uint64_t> values;
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(12.0, 2.5);  // ~160 us median, tails to seconds
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::uint64_t>(dist(rng)) + 1;
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  CHECK(h.count() == values.size());
  CHECK(h.min() == values.front());
  CHECK(h.max() == values.back());
  for (const double q : {0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0}) {
    INFO("q = " << q);
    const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))));
    const auto exact = values[rank - 1];
    const auto got = h.quantile(q);
    CHECK(got >= exact);
    CHECK(static_cast<double>(got - exact) <= static_cast<double>(exact) / 128.0 + 1.0);
  }
}

TEST_CASE("hdr histogram: small values are exact, merge adds up, empty is zero", "[bench]") {
  hdr_histogram a, b, empty;
  CHECK(empty.quantile(0.5) == 0);
  CHECK(empty.max() == 0);
  for (std::uint64_t v = 1; v <= 200; ++v) a.record(v);
  CHECK(a.quantile(0.5) == 100);
  CHECK(a.quantile(1.0) == 200);
  b.record(0);  // counted as 1
  b.record(UINT64_MAX);
  a.merge(b);
  CHECK(a.count() == 202);
  CHECK(a.min() == 1);
  CHECK(a.max() == UINT64_MAX);
  CHECK(a.quantile(1.0) == UINT64_MAX);
}

namespace {
const std::string chat_stream =
    "data: {\"delta\":\"Borsa İstanbul \"}\n\n"
    ": keep-alive\n\n"
    "data: {\"delta\":\"📈 ğüşıöç\"}\n\n"
    "data: {\"done\":true,\"model\":\"m\",\"cached\":false,\"usage\":null}\n\n"
    "data: [DONE]\n\n";
const std::string openai_stream =
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Merhaba \"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"dünya 🙂\"},\"finish_reason\":null}]}\n\n"
    "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n"
    "data: [DONE]\n\n";
}  // namespace

TEST_CASE("stream check: complete streams at every split point, deltas counted once", "[bench]") {
  for (const auto& [format, text] : {std::pair{answer_format::chat, chat_stream}, std::pair{answer_format::openai, openai_stream}}) {
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
      stream_check check(format);
      const auto deltas = check.feed(text.substr(0, cut)) + check.feed(text.substr(cut));
      REQUIRE(deltas == 2);
      REQUIRE(check.complete());
    }
  }
}

TEST_CASE("stream check: what makes a stream incomplete", "[bench]") {
  const auto problem = [](answer_format f, const std::string& s) {
    stream_check check(f);
    check.feed(s);
    return check.problem();
  };
  const auto chat_without = [](std::string_view drop) {
    auto s = chat_stream;
    s.erase(s.find(drop), drop.size());
    return s;
  };
  CHECK(problem(answer_format::chat, chat_without("data: [DONE]\n\n")) == "no [DONE]");
  CHECK(problem(answer_format::chat, chat_without("data: {\"done\":true,\"model\":\"m\",\"cached\":false,\"usage\":null}\n\n")) ==
        "no done event");
  CHECK(problem(answer_format::chat, "data: {\"error\":{\"code\":\"upstream_error\"}}\n\n") == "an error event");
  CHECK(problem(answer_format::chat, "data: [DONE]\n\n") == "no content");
  CHECK(problem(answer_format::chat, chat_stream + "data: {\"delta\":\"late\"}\n\n") == "events after [DONE]");
  CHECK(problem(answer_format::openai, openai_stream.substr(0, openai_stream.find("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},"))) ==
        "no finish_reason");
  CHECK(problem(answer_format::openai, openai_stream.substr(0, openai_stream.size() - 3)) == "no [DONE]");
}

TEST_CASE("bench cli: modes, defaults and mistakes", "[bench]") {
  auto ok = parse_bench_cli({"--rate", "5000", "--stream", "--duration", "2.5", "http://127.0.0.1:8000/chat"});
  REQUIRE(ok.config);
  CHECK(ok.config->api == api_kind::chat);  // from the path
  CHECK(ok.config->rate == 5000);
  CHECK(ok.config->concurrency == 4096);  // the connection cap of open loop
  CHECK(ok.config->duration == std::chrono::milliseconds(2500));
  CHECK(ok.config->target.port == 8000);
  CHECK(ok.config->target.path == "/chat");

  auto tls = parse_bench_cli({"--concurrency", "256", "https://localhost/openai/v1/chat/completions"});
  REQUIRE(tls.config);
  CHECK(tls.config->api == api_kind::openai);
  CHECK(tls.config->target.tls);
  CHECK(tls.config->target.port == 443);

  auto headers = parse_bench_cli({"--rate", "1", "--header", "x-portkey-provider: openai", "http://h/v1/chat/completions"});
  REQUIRE(headers.config);
  REQUIRE(headers.config->headers.size() == 1);
  CHECK(headers.config->headers[0].first == "x-portkey-provider");
  CHECK(headers.config->headers[0].second == "openai");

  CHECK(parse_bench_cli({"--help"}).help);
  for (const auto& bad : std::vector<std::vector<std::string>>{
           {"http://h/chat"},                               // neither --rate nor --concurrency
           {"--rate", "x", "http://h/chat"},
           {"--rate", "10"},                                // no URL
           {"--rate", "10", "ftp://h/chat"},
           {"--rate", "10", "http://h:99999/chat"},
           {"--rate", "10", "--repeat", "1.5", "http://h/chat"},
           {"--rate", "10", "--bogus", "http://h/chat"},
           {"--rate", "10", "--header", "no-colon", "http://h/chat"}}) {
    const auto r = parse_bench_cli(bad);
    CHECK_FALSE(r.config);
    CHECK_FALSE(r.error.empty());
  }
}

TEST_CASE("question source: deterministic, the chosen share of repeats, unique otherwise", "[bench]") {
  const question_source q({}, 0.25, 8, 7);
  std::set<std::string> unique, hot;
  int repeats = 0;
  constexpr int n = 20'000;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto s = q.at(i);
    CHECK(s == q.at(i));
    if (q.is_repeat(i)) {
      ++repeats;
      hot.insert(s);
    } else {
      CHECK(unique.insert(s).second);
    }
  }
  CHECK(hot.size() == 8);
  CHECK(std::abs(repeats - n / 4) < n / 50);  // 25 % within 2 points
  CHECK(question_source({}, 0.25, 8, 8).at(3) != q.at(3));  // another seed, other questions
}
