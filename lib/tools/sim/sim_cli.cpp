#include "tools/sim/sim_cli.hpp"

#include <fmt/format.h>

#include <charconv>
#include <fstream>
#include <sstream>

namespace gateway::sim {
namespace {

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

bool to_uint(const std::string& v, unsigned long max, unsigned long& out) {
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  return ec == std::errc{} && p == v.data() + v.size() && out <= max;
}

}  // namespace

std::string sim_usage() {
  return "groq-sim: a Groq-compatible chat-completions server for offline runs and tests.\n\n"
         "  --host ADDR          listen address (default 127.0.0.1)\n"
         "  --port N             listen port (default 0: any free port, printed at start)\n"
         "  --self-signed FILE   serve HTTPS with a fresh self-signed certificate for 127.0.0.1 and\n"
         "                       localhost, written to FILE for the gateway's GROQ_CA_FILE\n"
         "  --cert FILE --key FILE   serve HTTPS with this PEM certificate chain and key\n"
         "  --api-key KEY[,KEY]  require 'Authorization: Bearer KEY' (one of them; repeatable)\n"
         "  --limit-requests N/WINDOW   requests per key and model per window: s, min, h, day or a\n"
         "                       Go duration (30/10s); answers carry x-ratelimit-* and a spent\n"
         "                       window answers 429 with Retry-After, as Groq does\n"
         "  --limit-tokens N/WINDOW     prompt plus completion tokens per key and model per window\n"
         "  --model-limit-requests MODEL=N/WINDOW, --model-limit-tokens MODEL=N/WINDOW\n"
         "                       the same for one model, after the defaults (other models keep them)\n"
         "  --ttft-ms N          time to first token (default 0)\n"
         "  --interval-ms N      time between tokens (default 0)\n"
         "  --tokens N           answer length in tokens (default 48)\n"
         "  --split              write each stream event in two pieces cut inside a UTF-8 character\n"
         "  --threads N          io threads (default 1)\n"
         "Faults are chosen per request by a directive in the question, e.g. [[sim status=429 times=1]].\n";
}

sim_cli_result parse_sim_cli(const std::vector<std::string>& args) {
  sim_cli cli;
  std::string cert_file, key_file;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    auto number = [&](unsigned long max, unsigned long& out) {
      std::string v;
      return value(v) && to_uint(v, max, out);
    };
    unsigned long n = 0;
    std::string v;
    if (a == "--help" || a == "-h") cli.help = true;
    else if (a == "--host" && value(v)) cli.config.host = v;
    else if (a == "--port" && number(65535, n)) cli.config.port = static_cast<unsigned short>(n);
    else if (a == "--self-signed" && value(v)) cli.ca_out = v;
    else if (a == "--cert" && value(v)) cert_file = v;
    else if (a == "--key" && value(v)) key_file = v;
    else if (a == "--api-key" && value(v)) {
      for (std::size_t at = 0; at <= v.size();) {
        const auto comma = std::min(v.find(',', at), v.size());
        if (comma > at) cli.config.api_keys.push_back(v.substr(at, comma - at));
        at = comma + 1;
      }
    }
    else if (a == "--limit-requests" && value(v) && parse_limit(v, cli.config.limits.requests, cli.config.limits.requests_window)) {}
    else if (a == "--limit-tokens" && value(v) && parse_limit(v, cli.config.limits.tokens, cli.config.limits.tokens_window)) {}
    else if ((a == "--model-limit-requests" || a == "--model-limit-tokens") && value(v) && v.find('=') != std::string::npos &&
             v.find('=') > 0) {
      const auto eq = v.find('=');
      auto& limit = cli.config.model_limits.try_emplace(v.substr(0, eq), cli.config.limits).first->second;
      const bool ok = a == "--model-limit-requests" ? parse_limit(v.substr(eq + 1), limit.requests, limit.requests_window)
                                                    : parse_limit(v.substr(eq + 1), limit.tokens, limit.tokens_window);
      if (!ok) return {std::nullopt, fmt::format("invalid {} '{}': MODEL=N/WINDOW", a, v)};
    }
    else if (a == "--ttft-ms" && number(600000, n)) cli.config.ttft = std::chrono::milliseconds(n);
    else if (a == "--interval-ms" && number(600000, n)) cli.config.token_interval = std::chrono::milliseconds(n);
    else if (a == "--tokens" && number(1 << 20, n)) cli.config.answer_tokens = static_cast<unsigned>(n);
    else if (a == "--split") cli.config.split_writes = true;
    else if (a == "--threads" && number(256, n) && n > 0) cli.threads = static_cast<unsigned>(n);
    else return {std::nullopt, fmt::format("invalid or incomplete option '{}'", a)};
  }
  if (cert_file.empty() != key_file.empty()) return {std::nullopt, "--cert and --key go together"};
  if (!cert_file.empty()) {
    pem_pair pem;
    if (!read_file(cert_file, pem.certificate)) return {std::nullopt, "cannot read " + cert_file};
    if (!read_file(key_file, pem.private_key)) return {std::nullopt, "cannot read " + key_file};
    cli.config.tls = std::move(pem);
  }
  return {std::move(cli), {}};
}

}  // namespace gateway::sim
