// Command-line options of the groq-sim executable.
#pragma once

#include "tools/sim/sim_server.hpp"

#include <optional>
#include <string>
#include <vector>

namespace gateway::sim {

struct sim_cli {
  sim_config config;
  unsigned threads = 1;
  /// With --self-signed: where to write the generated certificate, for the gateway's GROQ_CA_FILE.
  std::string ca_out;
  bool help = false;
};

struct sim_cli_result {
  std::optional<sim_cli> cli;
  std::string error;
};

/// Parses arguments (without the program name). Reads --cert/--key files when given.
sim_cli_result parse_sim_cli(const std::vector<std::string>& args);

std::string sim_usage();

}  // namespace gateway::sim
