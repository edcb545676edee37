// chat-gateway: reads the configuration from the environment (and CONFIG_FILE), then runs the
// gateway on one io_context with THREADS threads until SIGINT/SIGTERM; SIGHUP reloads live
// settings.
#include "config/config_reload.hpp"
#include "config/gateway_config.hpp"
#include "core/line_writer.hpp"
#include "gateway/config_reloader.hpp"
#include "gateway/gateway_server.hpp"
#include "gateway/health_check.hpp"
#include "net/descriptor_limit.hpp"

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdio>
#include <memory>
#include <unistd.h>
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
  auto loaded = load_startup_config(process_env());
  if (!loaded.config) {
    std::fprintf(stderr, "chat-gateway: invalid configuration: %s\n", loaded.error.c_str());
    return 2;
  }
  if (argc > 1 && std::string_view(argv[1]) == "--health-check") {
    std::string why;
    if (check_health(*loaded.config, std::chrono::seconds(2), why)) return 0;
    std::fprintf(stderr, "chat-gateway: unhealthy: %s\n", why.c_str());
    return 1;
  }
  auto cfg = std::move(*loaded.config);
  // Every client connection is a descriptor: take all the hard limit allows (MAX_CONNECTIONS,
  // when unset, is derived from it).
  const auto descriptors = raise_descriptor_limit();
  const unsigned threads = io_threads(cfg);
  // Log output goes through writer threads: an io thread never blocks on a slow terminal or pipe,
  // nor wakes a writer thread per line (core/line_writer.hpp). Their destructors, at the end of
  // main, write out every line still buffered.
  const auto err_out = std::make_shared<line_writer>(STDERR_FILENO);
  const auto access_out = std::make_shared<line_writer>(STDOUT_FILENO);
  const auto log = logger::to_writer(cfg.log, cfg.log_fmt, err_out);
  const auto access = cfg.access_log ? logger(log_level::info, [access_out](log_level, std::string_view line) {
    access_out->write(line);
  })
                                     : logger();

  // One thread (THREADS=1): every socket and timer is used from that thread only, so the reactor
  // needs no lock per I/O operation (posting from other threads stays safe: the scheduler locks).
  asio::io_context ioc(cfg.threads == 1 ? BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO : static_cast<int>(threads));
  std::optional<gateway_server> server;
  try {
    server.emplace(ioc, std::move(cfg), log, access);
  } catch (const std::exception& e) {
    log.error("cannot start: {}", e.what());
    return 1;
  }

  // First signal: stop accepting, close idle connections, and let requests in flight finish for up
  // to SHUTDOWN_GRACE; then end the rest (streams get a final `shutting_down` event) and give them
  // a moment to write it. A second signal stops at once.
  if (const auto max = server->config().max_connections; max && max > connections_for_descriptors(descriptors, 0))
    log.warn("MAX_CONNECTIONS={} may need more descriptors than the limit of {}: accepts or upstream connects may fail",
             max, descriptors);
  const auto grace = server->config().shutdown_grace;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer poll(ioc);
  clock_type::time_point abort_at, give_up;
  bool aborted = false;
  std::function<void()> wait_for_drain = [&] {
    const auto now = clock_type::now();
    if (server->open_connections() == 0 || now >= give_up) return ioc.stop();
    if (!aborted && now >= abort_at) {
      aborted = true;
      log.warn("shutting down: grace of {} ms is over; ending {} connection(s)", grace.count(),
               server->open_connections());
      server->abort_requests();
    }
    poll.expires_after(std::chrono::milliseconds(20));
    poll.async_wait([&](boost::system::error_code ec) {
      if (!ec) wait_for_drain();
    });
  };
  signals.async_wait([&](boost::system::error_code ec, int) {
    if (ec) return;
    log.info("shutting down: finishing requests in flight for up to {} ms (signal again to stop at once)",
             grace.count());
    server->stop();
    abort_at = clock_type::now() + grace;
    give_up = abort_at + std::chrono::seconds(2);
    wait_for_drain();
    signals.async_wait([&](boost::system::error_code sec, int) {
      if (!sec) ioc.stop();
    });
  });
  server->start();

  // SIGHUP: live reload of CONFIG_FILE (docs/operations.md, "Live reload"). The reloader's own
  // thread reads the file; the io thread that catches the signal only wakes it.
  config_reloader reloader(*server, std::move(loaded.environment), std::move(loaded.running), log,
                           loaded.ignored);
  asio::signal_set hangups(ioc, SIGHUP);
  std::function<void()> on_hangup = [&] {
    hangups.async_wait([&](boost::system::error_code ec, int) {
      if (ec) return;
      reloader.request();
      on_hangup();
    });
  };
  on_hangup();

  std::vector<std::thread> pool;
  for (unsigned i = 1; i < threads; ++i) pool.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : pool) t.join();
  log.info("stopped");
  return 0;
}
