// Live reload's driver (docs/operations.md, "Live reload"): on request (SIGHUP, from main) it
// re-reads CONFIG_FILE over the environment the process started with, asks config_reload what the
// new settings mean, and either refuses them (a log line; the running configuration stays) or hands
// the live ones to gateway_server::reconfigure - reporting restart-only settings that differ, and
// never a secret's value. The file is read and the keys hashed on the reloader's own thread: an io
// thread only wakes it. Requests in flight keep the generation they started with (gateway_server).
// Threading: request() from any thread (a signal handler on an io thread); reload_now() from any
// thread but an io thread; both are serialized.
#pragma once

#include "config/config_reload.hpp"
#include "core/logger.hpp"
#include "gateway/gateway_server.hpp"

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace gateway {

/// What one reload did.
struct reload_report {
  enum class outcome { applied, unchanged, refused } result = outcome::unchanged;
  std::uint64_t generation = 0;            // live after it
  std::string why;                         // refused: the reason (no secret's value)
  std::vector<std::string> changed;        // live settings applied
  std::vector<std::string> needs_restart;  // restart-only settings that differ: not applied
  std::vector<std::string> ignored;        // names in the file that are not settings
};

class config_reloader {
 public:
  /// `environment`: the process's settings at start; `running`: those the server was built from
  /// (the environment with CONFIG_FILE's lines over it); `ignored`: names in the file at start that
  /// are not settings (logged). Starts its thread.
  config_reloader(gateway_server& server, setting_values environment, setting_values running,
                  logger log, const std::vector<std::string>& ignored = {});
  ~config_reloader();
  config_reloader(const config_reloader&) = delete;
  config_reloader& operator=(const config_reloader&) = delete;

  /// Asks for a reload and returns at once; the reloader's thread does it. Requests that come
  /// while one is pending make one reload.
  void request();
  /// A reload on the calling thread (tests; the thread's reloads use it): never on an io thread.
  reload_report reload_now();
  /// Reloads done by the thread so far (tests wait on it).
  std::uint64_t reloads_done() const;

 private:
  void run();

  gateway_server& server_;
  const setting_values environment_;
  const std::string file_;  // CONFIG_FILE, "" when unset
  logger log_;
  std::mutex reload_mutex_;  // one reload at a time
  setting_values running_;   // guarded by reload_mutex_
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool pending_ = false, stopping_ = false;  // guarded by mutex_
  std::uint64_t done_ = 0;                   // guarded by mutex_
  std::thread thread_;                       // last: it starts with everything above set
};

}  // namespace gateway
