// groq-sim: the bundled Groq-compatible upstream (see lib/tools/sim/). Runs until SIGINT/SIGTERM.
#include "tools/sim/sim_cli.hpp"

#include <boost/asio/signal_set.hpp>

#include <cstdio>
#include <fstream>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  using namespace gateway;
  auto parsed = sim::parse_sim_cli(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.cli) {
    std::fprintf(stderr, "groq-sim: %s\n\n%s", parsed.error.c_str(), sim::sim_usage().c_str());
    return 2;
  }
  auto cli = std::move(*parsed.cli);
  if (cli.help) {
    std::fputs(sim::sim_usage().c_str(), stdout);
    return 0;
  }
  const auto log = logger::to_stderr(log_level::info);
  if (!cli.ca_out.empty()) {
    cli.config.tls = make_self_signed({"127.0.0.1", "localhost", "::1"});
    std::ofstream out(cli.ca_out, std::ios::binary | std::ios::trunc);
    out << cli.config.tls->certificate;
    if (!out.flush()) {
      log.error("cannot write {}", cli.ca_out);
      return 1;
    }
  }

  asio::io_context ioc(static_cast<int>(cli.threads));
  std::optional<sim::sim_server> server;
  try {
    server.emplace(ioc, cli.config, log);
  } catch (const std::exception& e) {
    log.error("cannot start: {}", e.what());
    return 1;
  }
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (!ec) ioc.stop();  // a test double: no need to drain
  });
  server->start();
  std::printf("groq-sim port %u\n", server->port());
  std::fflush(stdout);

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < cli.threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  return 0;
}
