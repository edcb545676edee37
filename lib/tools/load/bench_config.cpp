#include "tools/load/bench_config.hpp"

#include <fmt/format.h>

#include <charconv>

namespace gateway::bench {
namespace {

bool to_double(const std::string& v, double& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && p == v.data() + v.size() && out >= 0;
}

bool to_uint(const std::string& v, std::uint64_t max, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && p == v.data() + v.size() && out <= max;
}

bool to_seconds(const std::string& v, std::chrono::milliseconds& out) {
  double s = 0;
  if (!to_double(v, s) || s > 86'400) return false;
  out = std::chrono::milliseconds(static_cast<std::int64_t>(s * 1000.0 + 0.5));
  return true;
}

bool add_header(const std::string& line, std::vector<std::pair<std::string, std::string>>& out) {
  const auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  auto value = line.substr(colon + 1);
  value.erase(0, value.find_first_not_of(' '));
  out.emplace_back(line.substr(0, colon), std::move(value));
  return true;
}

}  // namespace

std::optional<target_url> parse_target(const std::string& url, std::string& why) {
  target_url t;
  std::string_view rest = url;
  if (rest.starts_with("http://")) {
    rest.remove_prefix(7);
  } else if (rest.starts_with("https://")) {
    rest.remove_prefix(8);
    t.tls = true;
    t.port = 443;
  } else {
    why = "the URL must start with http:// or https://";
    return std::nullopt;
  }
  const auto slash = rest.find('/');
  const auto authority = rest.substr(0, slash);
  t.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const auto colon = authority.rfind(':');
  t.host = std::string(authority.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::uint64_t port = 0;
    if (!to_uint(std::string(authority.substr(colon + 1)), 65535, port) || port == 0) {
      why = "bad port in the URL";
      return std::nullopt;
    }
    t.port = static_cast<unsigned short>(port);
  }
  if (t.host.empty()) {
    why = "no host in the URL";
    return std::nullopt;
  }
  return t;
}

std::string bench_usage() {
  return "chat-bench: an open-loop load generator for chat endpoints.\n\n"
         "  chat-bench [options] URL      e.g. http://127.0.0.1:8000/chat\n\n"
         "  --api chat|openai     the body to send (default: chat for a path ending in /chat, else openai)\n"
         "  --stream              ask for Server-Sent Events; each answer is checked for completeness\n"
         "  --rate N              open loop: N requests per second (latency counted from the schedule)\n"
         "  --concurrency N       closed loop: N requests in flight; with --rate: most connections (4096)\n"
         "  --duration S          seconds to run after the warm-up (default 10)\n"
         "  --requests N          stop after N measured requests instead\n"
         "  --warmup S            seconds not measured at the start (default 1)\n"
         "  --ramp S              closed loop: start the clients over S seconds (default 0)\n"
         "  --timeout S           per request (default 60)\n"
         "  --questions FILE      one question per line (default: generated)\n"
         "  --repeat R            share of requests repeating one of --hot N questions (default 0, 16)\n"
         "  --hot N\n"
         "  --model NAME          OpenAI bodies (default openai/gpt-oss-20b)\n"
         "  --threads N           event loops (default 1)\n"
         "  --json FILE           write the results as JSON\n"
         "  --ca FILE | --insecure   https: trust FILE / skip verification\n"
         "  --key KEY             Authorization: Bearer KEY\n"
         "  --header 'NAME: VALUE'   an extra request header (repeatable)\n"
         "  --no-cache            send Cache-Control: no-cache\n"
         "  --label NAME          the run's name in the report\n"
         "  --seed N              question order (default 1)\n";
}

bench_cli parse_bench_cli(const std::vector<std::string>& args) {
  bench_config c;
  std::string url, api;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    std::string v;
    const auto value = [&] {
      if (i + 1 >= args.size()) return false;
      v = args[++i];
      return true;
    };
    std::uint64_t n = 0;
    bool ok = true;
    if (a == "--help" || a == "-h") return {std::nullopt, {}, true};
    else if (a == "--api") ok = value() && (v == "chat" || v == "openai") && (api = v, true);
    else if (a == "--stream") c.stream = true;
    else if (a == "--rate") ok = value() && to_double(v, c.rate) && c.rate > 0;
    else if (a == "--concurrency") ok = value() && to_uint(v, 1'000'000, n) && n > 0 && (c.concurrency = static_cast<unsigned>(n), true);
    else if (a == "--duration") ok = value() && to_seconds(v, c.duration);
    else if (a == "--requests") ok = value() && to_uint(v, UINT64_MAX, c.requests);
    else if (a == "--warmup") ok = value() && to_seconds(v, c.warmup);
    else if (a == "--ramp") ok = value() && to_seconds(v, c.ramp);
    else if (a == "--timeout") ok = value() && to_seconds(v, c.timeout) && c.timeout.count() > 0;
    else if (a == "--questions") ok = value() && (c.questions_file = v, true);
    else if (a == "--repeat") ok = value() && to_double(v, c.repeat) && c.repeat <= 1;
    else if (a == "--hot") ok = value() && to_uint(v, 1'000'000, n) && n > 0 && (c.hot = static_cast<unsigned>(n), true);
    else if (a == "--model") ok = value() && (c.model = v, true);
    else if (a == "--threads") ok = value() && to_uint(v, 64, n) && n > 0 && (c.threads = static_cast<unsigned>(n), true);
    else if (a == "--json") ok = value() && (c.json_out = v, true);
    else if (a == "--ca") ok = value() && (c.ca_file = v, true);
    else if (a == "--insecure") c.insecure = true;
    else if (a == "--key") ok = value() && (c.api_key = v, true);
    else if (a == "--header") ok = value() && add_header(v, c.headers);
    else if (a == "--no-cache") c.no_cache = true;
    else if (a == "--label") ok = value() && (c.label = v, true);
    else if (a == "--seed") ok = value() && to_uint(v, UINT64_MAX, c.seed);
    else if (!a.starts_with("--") && url.empty()) url = a;
    else ok = false;
    if (!ok) return {std::nullopt, fmt::format("invalid or incomplete option '{}'", a), false};
  }
  if (url.empty()) return {std::nullopt, "no target URL", false};
  std::string why;
  auto target = parse_target(url, why);
  if (!target) return {std::nullopt, why, false};
  c.target = std::move(*target);
  if (api.empty()) api = c.target.path.ends_with("/chat") ? "chat" : "openai";
  c.api = api == "chat" ? api_kind::chat : api_kind::openai;
  if (c.rate == 0 && c.concurrency == 0) return {std::nullopt, "give --rate or --concurrency", false};
  if (c.rate > 0 && c.concurrency == 0) c.concurrency = 4096;
  if (c.threads > c.concurrency) c.threads = c.concurrency;
  if (c.label.empty()) c.label = url;
  return {std::move(c), {}, false};
}

}  // namespace gateway::bench
