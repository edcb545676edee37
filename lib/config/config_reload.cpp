#include "config/config_reload.hpp"

#include "core/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace gateway {
namespace {

bool setting_name_syntax(std::string_view name) {
  if (name.empty() || (name.front() >= '0' && name.front() <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool known_setting(std::string_view name) {
  const auto& names = setting_names();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::optional<std::string_view> value_of(const setting_values& values, std::string_view name) {
  const auto it = values.find(name);
  if (it == values.end()) return std::nullopt;
  return std::string_view(it->second);
}

// `into` with `name` as `from` has it (set, or unset when `from` has none).
void take(setting_values& into, const setting_values& from, std::string_view name) {
  if (const auto v = value_of(from, name))
    into.insert_or_assign(std::string(name), std::string(*v));
  else if (const auto it = into.find(name); it != into.end())
    into.erase(it);
}

// Whether giving `name` the value it has in `next` changes the configuration `base` makes: the
// text may differ while the setting does not (a default written out, "0.50" for "0.5").
bool changes(const setting_values& base, const gateway_config& base_config,
             const setting_values& next, std::string_view name) {
  if (value_of(base, name) == value_of(next, name)) return false;
  auto probe = base;
  take(probe, next, name);
  const auto loaded = load_config(lookup_in(probe));
  return !loaded.config ||
         *loaded.config != base_config;  // alone it does not fit: it changes something
}

}  // namespace

env_lookup lookup_in(const setting_values& values) {
  return [&values](std::string_view name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

setting_values capture_settings(const env_lookup& env) {
  setting_values out;
  for (const auto name : setting_names())
    if (auto v = env(name)) out.emplace(std::string(name), std::move(*v));
  return out;
}

setting_values overlay(setting_values base, const setting_values& file) {
  for (const auto& [name, value] : file) base.insert_or_assign(name, value);
  return base;
}

env_file parse_env_file(std::string_view text) {
  env_file out;
  const auto refuse = [](std::string why) {
    env_file refused;  // nothing of a refused file is taken
    refused.error = std::move(why);
    return refused;
  };
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Line numbers only: a malformed line may well be a secret pasted without its name.
    if (line.find('\0') != std::string_view::npos)
      return refuse(fmt::format("line {}: a NUL byte", number));
    line = trim_ows(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.starts_with("export ")) line = trim_ows(line.substr(7));
    const auto eq = line.find('=');
    const auto name =
        eq == std::string_view::npos ? std::string_view{} : trim_ows(line.substr(0, eq));
    if (!setting_name_syntax(name))
      return refuse(
          fmt::format("line {}: not NAME=VALUE (a NAME is letters, digits and _)", number));
    auto value = trim_ows(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (name == "CONFIG_FILE" || !known_setting(name)) {
      if (std::find(out.ignored.begin(), out.ignored.end(), name) == out.ignored.end())
        out.ignored.emplace_back(name);
      continue;
    }
    out.values.insert_or_assign(std::string(name), std::string(value));
  }
  return out;
}

env_file read_env_file(const std::string& path) {
  env_file out;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    out.error = fmt::format("cannot open {}: {}", path, std::strerror(errno));
    return out;
  }
  std::string text(max_env_file_bytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    out.error = fmt::format("cannot read {}", path);
    return out;
  }
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_env_file_bytes) {
    out.error = fmt::format("{} is larger than {} bytes", path, max_env_file_bytes);
    return out;
  }
  out = parse_env_file(text);
  if (!out.error.empty()) out.error = fmt::format("{} {}", path, out.error);
  return out;
}

startup_config load_startup_config(const env_lookup& env) {
  startup_config out;
  out.environment = capture_settings(env);
  out.running = out.environment;
  if (const auto file = value_of(out.environment, "CONFIG_FILE"); file && !file->empty()) {
    auto read = read_env_file(std::string(*file));
    if (!read.error.empty()) {
      out.error = "CONFIG_FILE " + read.error;
      return out;
    }
    out.running = overlay(out.environment, read.values);
    out.ignored = std::move(read.ignored);
  }
  auto loaded = load_config(lookup_in(out.running));
  out.config = std::move(loaded.config);
  out.error = std::move(loaded.error);
  return out;
}

reload_decision decide_reload(const setting_values& running, const setting_values& next) {
  reload_decision out;
  // Every new setting must be valid, restart-only ones too: a file with a mistake is not half
  // taken.
  if (auto checked = load_config(lookup_in(next)); !checked.config) {
    out.refused = std::move(checked.error);
    return out;
  }
  auto current = load_config(lookup_in(running));
  if (!current.config) {  // cannot happen: the gateway runs on them
    out.refused = "the running settings are invalid: " + current.error;
    return out;
  }
  out.running = running;
  for (const auto name : setting_names()) {
    if (is_live_setting(name)) {
      take(out.running, next, name);
      if (changes(running, *current.config, next, name)) out.changed.emplace_back(name);
    } else if (changes(running, *current.config, next, name)) {
      out.needs_restart.emplace_back(name);
    }
  }
  // The new live settings with the running rest, e.g. RATE_LIMIT_TPM set while CACHE_ENABLED=false
  // still runs (its change to true waits for a restart).
  auto merged = load_config(lookup_in(out.running));
  if (!merged.config) {
    out.refused = merged.error;
    if (!out.needs_restart.empty())
      out.refused += fmt::format(" (with the running {}: its new value needs a restart)",
                                 out.needs_restart.front());
    out.running.clear();
    return out;
  }
  if (*merged.config == *current.config) out.changed.clear();  // texts differ, settings do not
  out.config = std::move(merged.config);
  return out;
}

}  // namespace gateway
