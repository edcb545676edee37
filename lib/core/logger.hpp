// An injected logger: a minimum level and a sink. Nothing in lib/ logs through a global, so tests
// can capture and assert on log lines and the apps decide where lines go.
// A logger and its copies share one minimum level, which set_level() changes for all of them at
// once (LOG_LEVEL on SIGHUP): every component holds a copy made at start-up.
// Thread-safe as long as the sink is (the default stderr sink writes each line with one call; the
// writer's sink hands each line to a line_writer, which never blocks on I/O).
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace gateway {

enum class log_level { debug = 0, info, warn, error, off };
enum class log_format { text, json };

class line_writer;

std::optional<log_level> parse_log_level(std::string_view text);
std::optional<log_format> parse_log_format(std::string_view text);
/// `text` escaped for the inside of a JSON string (quotes, backslashes, control characters), and
/// always valid UTF-8: each byte that is not part of a well-formed UTF-8 sequence is written as
/// `\ufffd`, the replacement character (as Go's encoding/json does). Why not `\u00NN`: that
/// decodes to a different, valid character (the byte read as Latin-1), which a reader cannot tell
/// from a client that sent that character; U+FFFD says "these were not text".
std::string json_escape(std::string_view text);
void append_json_escaped(std::string& out, std::string_view text);
/// `text` for a text log line: control characters written as escapes (`\n`, `\r`, `\t`, `\x1b`;
/// C1 controls, U+0080 to U+009F, as `\u0085`), a backslash as `\\`, and each byte that is not
/// part of well-formed UTF-8 as `\xNN`; everything else as it is. A message may carry a client's
/// bytes (a header, a model name): a raw line break would forge a log line, an escape sequence
/// would reach the terminal that shows the log, and an unescaped backslash would let a client
/// write `\n` that reads like one of ours.
std::string text_escape(std::string_view text);
void append_text_escaped(std::string& out, std::string_view text);
/// At most `max_bytes` of `text` (never cutting a character in two), text-escaped, with "..."
/// when it was cut: how a client's string is quoted in a message, so its length is ours to bound.
std::string text_excerpt(std::string_view text, std::size_t max_bytes);
std::string_view to_string(log_level level);
/// `now` as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds), formatted once a second per thread; the
/// view is valid until the calling thread's next call.
std::string_view utc_second_text(std::chrono::system_clock::time_point now);

class logger {
 public:
  using sink_fn = std::function<void(log_level, std::string_view)>;

  logger() = default;  // discards everything
  logger(log_level min, sink_fn sink)
      : min_(std::make_shared<std::atomic<log_level>>(min)), sink_(std::move(sink)) {}

  /// A logger that writes "LEVEL message" lines to stderr.
  static logger to_stderr(log_level min);
  /// A logger whose lines go through `writer` (never blocking the caller on I/O), as text
  /// ("TIME LEVEL message") or as JSON ({"time", "level", "msg"}).
  static logger to_writer(log_level min, log_format format, std::shared_ptr<line_writer> writer);

  bool enabled(log_level level) const {
    return sink_ && level >= min_->load(std::memory_order_relaxed);
  }
  /// The minimum level of this logger and of every copy of it, from now on (a logger that
  /// discards everything stays so).
  void set_level(log_level min) const {
    if (min_) min_->store(min, std::memory_order_relaxed);
  }
  log_level level() const { return min_ ? min_->load(std::memory_order_relaxed) : log_level::off; }

  template <class... Args>
  void log(log_level level, fmt::format_string<Args...> format, Args&&... args) const {
    if (!enabled(level)) return;
    // Formatted on the stack (500 bytes before it allocates): an access log line fits.
    fmt::memory_buffer text;
    fmt::format_to(std::back_inserter(text), format, std::forward<Args>(args)...);
    sink_(level, std::string_view(text.data(), text.size()));
  }
  /// Hands `line`, made whole by the caller, to the sink as it is: no formatting pass (the access
  /// log's lines are built by their own writer, straight into a buffer that keeps its capacity).
  void write(log_level level, std::string_view line) const {
    if (enabled(level)) sink_(level, line);
  }
  template <class... Args>
  void debug(fmt::format_string<Args...> f, Args&&... a) const {
    log(log_level::debug, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void info(fmt::format_string<Args...> f, Args&&... a) const {
    log(log_level::info, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void warn(fmt::format_string<Args...> f, Args&&... a) const {
    log(log_level::warn, f, std::forward<Args>(a)...);
  }
  template <class... Args>
  void error(fmt::format_string<Args...> f, Args&&... a) const {
    log(log_level::error, f, std::forward<Args>(a)...);
  }

 private:
  std::shared_ptr<std::atomic<log_level>> min_;  // shared by copies; null with no sink
  sink_fn sink_;
};

}  // namespace gateway
