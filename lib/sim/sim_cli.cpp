#include "sim/sim_cli.hpp"

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
         "  --api-key KEY        require 'Authorization: Bearer KEY'\n"
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
    else if (a == "--api-key" && value(v)) cli.config.api_key = v;
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
