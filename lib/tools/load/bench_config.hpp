// chat-bench's settings (a plain struct) and their command line. Pure.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace gateway::bench {

struct target_url {
  bool tls = false;
  std::string host;
  unsigned short port = 80;
  std::string path = "/";
};

/// http://HOST[:PORT]/PATH or https://...; nullopt (with `why`) otherwise.
std::optional<target_url> parse_target(const std::string& url, std::string& why);

enum class api_kind { chat, openai };

struct bench_config {
  target_url target;
  api_kind api = api_kind::chat;  // the body to send: /chat's or OpenAI's chat completion
  bool stream = false;
  std::string model = "openai/gpt-oss-20b";  // OpenAI bodies only
  // Open loop: requests start at a fixed rate whatever the answers do, and latency is measured from
  // each request's scheduled start, so queueing shows as latency (no coordinated omission).
  double rate = 0;  // requests per second; 0 = fixed concurrency instead
  // Fixed concurrency (closed loop): this many requests in flight at all times. In rate mode the
  // most connections opened (requests beyond wait for one, and the wait counts).
  unsigned concurrency = 0;
  std::chrono::milliseconds duration{10'000};
  std::uint64_t requests = 0;  // stop after this many measured requests (0: run for `duration`)
  std::chrono::milliseconds warmup{1'000};  // requests scheduled before this are not measured
  std::chrono::milliseconds ramp{0};        // fixed concurrency: start the clients over this time
  std::chrono::milliseconds timeout{60'000};  // per request
  std::string questions_file;  // one question per line; empty: generated Turkish finance questions
  double repeat = 0;           // share of requests asking one of `hot` questions again (cache hits)
  unsigned hot = 16;
  unsigned threads = 1;        // independent event loops, each with its share of the load
  std::string json_out;        // write the results as JSON here
  std::string ca_file;         // trust this CA for https targets
  bool insecure = false;       // https without certificate verification (self-signed simulators)
  std::string api_key;         // sent as Authorization: Bearer
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers
  bool no_cache = false;       // send Cache-Control: no-cache
  std::string label;           // a name for the run in the report
  std::uint64_t seed = 1;
};

struct bench_cli {
  std::optional<bench_config> config;
  std::string error;  // set when config is empty and help is false
  bool help = false;
};

bench_cli parse_bench_cli(const std::vector<std::string>& args);
std::string bench_usage();

}  // namespace gateway::bench
