// Live reload's pure part (docs/operations.md, "Live reload"): the file CONFIG_FILE names
// (KEY=VALUE lines), the settings it and the process environment give together, and the decision on
// a new reading of them - which live settings change, which other settings differ and would need a
// restart, or why the new settings are refused as a whole. Applying a decision is the gateway's
// (gateway/config_reloader.hpp). No I/O here but read_env_file, which reads the file.
// Threading: pure functions; read_env_file blocks, so it runs at start or on the reloader's thread.
#pragma once

#include "config/gateway_config.hpp"

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {

/// Settings by name, as text; a setting that is absent is unset (it keeps its default).
using setting_values = std::map<std::string, std::string, std::less<>>;

/// `values` as load_config reads settings.
env_lookup lookup_in(const setting_values& values);

/// Every setting `env` has (setting_names()): the process environment, read once at start, since a
/// process's own environment cannot change from outside.
setting_values capture_settings(const env_lookup& env);

/// `base` with `file`'s values over it.
setting_values overlay(setting_values base, const setting_values& file);

/// Largest CONFIG_FILE read (a file of settings is a few KiB).
inline constexpr std::size_t max_env_file_bytes = 1 << 20;

/// A CONFIG_FILE's contents.
struct env_file {
  setting_values values;             // the settings it sets (a name given twice: its last line)
  std::vector<std::string> ignored;  // names in it that are not settings, and CONFIG_FILE itself
  std::string error;                 // set: the file is refused (names a line, never a value)
};

/// KEY=VALUE lines. Blank lines and lines starting with '#' or ';' are skipped; "export " before a
/// name is allowed; blanks around the name and the value are dropped; a value in matching double or
/// single quotes loses them. Nothing else is interpreted: no escapes, no ${expansion}, no line
/// continuation. A line without '=', a name that is not letters, digits and '_', or a NUL byte
/// refuses the whole file. CR before LF is dropped (files written on Windows).
env_file parse_env_file(std::string_view text);

/// Reads `path` (at most max_env_file_bytes) and parses it. Blocking file I/O: never on an io
/// thread.
env_file read_env_file(const std::string& path);

/// The configuration at start: the environment, with CONFIG_FILE's lines over it when it is set.
struct startup_config {
  std::optional<gateway_config> config;
  std::string error;                 // set when config is not: names the setting or the file's line
  setting_values environment;        // the process's settings (CONFIG_FILE among them)
  setting_values running;            // what config was built from: environment, then the file
  std::vector<std::string> ignored;  // names in the file that are not settings
};
startup_config load_startup_config(const env_lookup& env);

/// What a new reading of the settings means for a gateway running on other ones.
struct reload_decision {
  /// Set: the new settings are refused as a whole (invalid, or their live part does not fit the
  /// running rest); the running configuration stays. Never carries a secret's value.
  std::string refused;
  /// The configuration to run from now on: the running one with the new live settings.
  std::optional<gateway_config> config;
  setting_values running;  // what `config` is built from: restart-only settings as they run
  std::vector<std::string> changed;        // live settings whose value changes
  std::vector<std::string> needs_restart;  // other settings whose value differs: not applied
};

/// `running`: the settings the gateway runs on; `next`: the new reading (environment, then the
/// file). Every setting of `next` must be valid, else it is refused. Of the rest, only live
/// settings (is_live_setting) are taken; a restart-only one that would change the configuration is
/// listed in needs_restart and keeps its running value.
reload_decision decide_reload(const setting_values& running, const setting_values& next);

}  // namespace gateway
