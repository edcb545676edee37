// chat-bench: an open-loop load generator for chat endpoints (see lib/tools/load and docs/benchmarks.md).
#include "tools/load/bench_config.hpp"
#include "tools/load/bench_report.hpp"
#include "tools/load/load_runner.hpp"

#include <cstdio>
#include <exception>
#include <fstream>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace gateway::bench;
  const auto cli = parse_bench_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (cli.help) {
    std::fputs(bench_usage().c_str(), stdout);
    return 0;
  }
  if (!cli.config) {
    std::fprintf(stderr, "chat-bench: %s\n\n%s", cli.error.c_str(), bench_usage().c_str());
    return 2;
  }
  const auto& cfg = *cli.config;
  try {
    const auto result = run_load(cfg);
    std::fputs(report_table(cfg, result).c_str(), stdout);
    if (!cfg.json_out.empty()) {
      std::ofstream out(cfg.json_out);
      out << report_json(cfg, result) << '\n';
      if (!out) {
        std::fprintf(stderr, "chat-bench: cannot write %s\n", cfg.json_out.c_str());
        return 1;
      }
    }
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chat-bench: %s\n", e.what());
    return 1;
  }
}
