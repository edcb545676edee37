#include "gateway/config_reloader.hpp"

#include "auth/api_keys.hpp"

#include <fmt/format.h>

namespace gateway {
namespace {

// "A, B and 3 more": names only (they are checked to be letters, digits and '_'), a bounded line.
std::string name_list(const std::vector<std::string>& names) {
  constexpr std::size_t shown = 8;
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < shown; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > shown) out += fmt::format(" and {} more", names.size() - shown);
  return out;
}

// A live setting's new value as a log line may show it: a secret by how many keys it holds.
std::string describe(const std::string& name, const gateway_config& cfg,
                     const setting_values& values) {
  if (name == "GROQ_API_KEY")
    return fmt::format("{} ({})", name, cfg.groq_api_key.empty() ? "unset" : "1 key");
  if (name == "GROQ_API_KEYS") {
    const auto n = cfg.groq_api_keys.size();
    return n ? fmt::format("{} ({} key{})", name, n, n == 1 ? "" : "s")
             : fmt::format("{} (unset)", name);
  }
  if (name == "GATEWAY_API_KEYS") {
    const auto n = api_keys(cfg.gateway_api_keys).size();
    return n ? fmt::format("{} ({} client key{})", name, n, n == 1 ? "" : "s")
             : fmt::format("{} (none: the API is open)", name);
  }
  if (is_secret_setting(name)) return name;  // no live setting today, but never a value
  const auto it = values.find(name);
  return it == values.end() ? fmt::format("{} (unset: its default)", name)
                            : fmt::format("{}={:?}", name, it->second);
}

std::string file_of(const setting_values& environment) {
  const auto it = environment.find("CONFIG_FILE");
  return it == environment.end() ? std::string() : it->second;
}

}  // namespace

config_reloader::config_reloader(gateway_server& server, setting_values environment,
                                 setting_values running, logger log,
                                 const std::vector<std::string>& ignored)
    : server_(server),
      environment_(std::move(environment)),
      file_(file_of(environment_)),
      log_(std::move(log)),
      running_(std::move(running)),
      thread_([this] { run(); }) {
  if (file_.empty())
    log_.info(
        "live reload: CONFIG_FILE is not set, so SIGHUP re-reads nothing (configuration generation "
        "{})",
        server_.generation());
  else
    log_.info("live reload: SIGHUP re-reads CONFIG_FILE {} (configuration generation {})", file_,
              server_.generation());
  if (!ignored.empty())
    log_.warn("{} sets {}, which {} no setting of this gateway: ignored", file_, name_list(ignored),
              ignored.size() == 1 ? "is" : "are");
}

config_reloader::~config_reloader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void config_reloader::request() {
  {
    std::lock_guard lock(mutex_);
    pending_ = true;
  }
  wake_.notify_one();
}

std::uint64_t config_reloader::reloads_done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void config_reloader::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return pending_ || stopping_; });
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    try {
      reload_now();
    } catch (const std::exception& e) {
      server_.count_reload(true);
      log_.error("reload failed, configuration generation {} stays live: {}", server_.generation(),
                 e.what());
    }
    lock.lock();
    ++done_;
  }
}

reload_report config_reloader::reload_now() {
  std::lock_guard lock(reload_mutex_);
  reload_report report;
  report.generation = server_.generation();
  const auto refuse = [&](std::string why) {
    server_.count_reload(true);
    log_.warn("reload refused, configuration generation {} stays live: {}", report.generation, why);
    report.result = reload_report::outcome::refused;
    report.why = std::move(why);
    return report;
  };
  if (file_.empty()) {
    server_.count_reload(false);
    log_.info(
        "SIGHUP: CONFIG_FILE is not set, so there is nothing to re-read (a process's environment "
        "cannot "
        "change); configuration generation {} stays live",
        report.generation);
    return report;
  }
  auto file = read_env_file(file_);
  if (!file.error.empty()) return refuse("CONFIG_FILE " + file.error);
  report.ignored = std::move(file.ignored);
  if (!report.ignored.empty())
    log_.warn("reload: {} sets {}, which {} no setting of this gateway: ignored", file_,
              name_list(report.ignored), report.ignored.size() == 1 ? "is" : "are");
  auto decision = decide_reload(running_, overlay(environment_, file.values));
  report.needs_restart = decision.needs_restart;
  if (!decision.refused.empty()) return refuse(fmt::format("{}: {}", file_, decision.refused));
  if (!decision.needs_restart.empty())
    log_.warn("reload: {} {} from the running configuration and need{} a restart: not applied",
              name_list(decision.needs_restart),
              decision.needs_restart.size() == 1 ? "differs" : "differ",
              decision.needs_restart.size() == 1 ? "s" : "");
  if (decision.changed.empty()) {
    server_.count_reload(false);
    log_.info("reload: no live setting changed in {}; configuration generation {} stays live",
              file_, report.generation);
    return report;
  }
  std::string what;
  for (const auto& name : decision.changed)
    what += (what.empty() ? "" : ", ") + describe(name, *decision.config, decision.running);
  const auto line = [&](std::uint64_t generation) {
    log_.info("configuration generation {} live (reloaded from {}): {}", generation, file_, what);
  };
  // Said at the level that runs until now or at the new one, whichever lets an info line through:
  // LOG_LEVEL=warn arriving still shows which generation took over.
  const bool said = log_.enabled(log_level::info);
  if (said) line(report.generation + 1);
  report.generation = server_.reconfigure(*decision.config);
  if (!said) line(report.generation);
  running_ = std::move(decision.running);
  report.result = reload_report::outcome::applied;
  report.changed = std::move(decision.changed);
  return report;
}

}  // namespace gateway
