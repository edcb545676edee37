// chat-gateway: reads the configuration from the environment, then runs the gateway on one
// io_context with THREADS threads until SIGINT/SIGTERM.
#include "config/gateway_config.hpp"
#include "gateway/gateway_server.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <functional>
#include <string_view>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  using namespace gateway;
  if (argc > 1 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::fputs(config_help().c_str(), stdout);
    return 0;
  }
  auto loaded = load_config(process_env());
  if (!loaded.config) {
    std::fprintf(stderr, "chat-gateway: invalid configuration: %s\n", loaded.error.c_str());
    return 2;
  }
  auto cfg = std::move(*loaded.config);
  const unsigned threads = io_threads(cfg);
  const auto log = logger::to_stderr(cfg.log);

  net::io_context ioc(static_cast<int>(threads));
  std::optional<gateway_server> server;
  try {
    server.emplace(ioc, std::move(cfg), log);
  } catch (const std::exception& e) {
    log.error("cannot start: {}", e.what());
    return 1;
  }

  // First signal: stop accepting and let requests in flight finish, for at most 10 s; a second
  // signal stops at once.
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  net::steady_timer poll(ioc);
  clock_type::time_point give_up;
  std::function<void()> wait_for_drain = [&] {
    if (server->open_connections() == 0 || clock_type::now() >= give_up) return ioc.stop();
    poll.expires_after(std::chrono::milliseconds(20));
    poll.async_wait([&](boost::system::error_code ec) {
      if (!ec) wait_for_drain();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    log.info("shutting down: finishing requests in flight (Ctrl-C again to stop at once)");
    server->stop();
    give_up = clock_type::now() + std::chrono::seconds(10);
    wait_for_drain();
    signals.async_wait([&](boost::system::error_code sec, int) {
      if (!sec) ioc.stop();
    });
  });
  server->start();

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  log.info("stopped");
  return 0;
}
