// In-process integration environment: groq-sim (TLS, self-signed) and the gateway on one
// io_context with two threads, plus a small HTTP client that runs its requests on the same
// io_context and is awaited from the test thread with a hard time limit.
#pragma once

#include "config/gateway_config.hpp"
#include "gateway/gateway_server.hpp"
#include "tools/sim/sim_server.hpp"
#include "sse/sse_parser.hpp"
#include "support/temp_file.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace test {

struct http_result {
  unsigned status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  boost::json::value json() const { return boost::json::parse(body); }
};

struct stream_result {
  unsigned status = 0;
  std::map<std::string, std::string> headers;
  std::vector<gateway::sse_event> events;
  std::string text;        // concatenated deltas (/chat) or delta contents (OpenAI chunks)
  bool saw_done = false;   // the {"done": true} event
  bool saw_done_marker = false;  // data: [DONE]
  std::optional<boost::json::value> error;  // the {"error": ...} event
  std::string body;        // the raw body, for error responses
  bool closed_by_client = false;
  // OpenAI chunks only:
  std::vector<std::string> roles;           // every delta.role seen
  std::optional<std::string> reasoning;     // delta.reasoning concatenated (nullopt: none came)
  std::string finish_reason;                // the last finish_reason seen
  std::optional<boost::json::value> usage;  // the `usage` of a chunk (stream_options.include_usage)
};

struct env_options {
  std::function<void(gateway::gateway_config&)> gateway;
  std::function<void(gateway::sim::sim_config&)> sim;
  bool sim_tls = true;
  gateway::logger access;  // the gateway's access log (one JSON line per request); none by default
  std::optional<gateway::logger> log;  // the gateway's log; GATEWAY_TEST_LOG's by default
};

/// Log lines kept in memory, for tests that read what the gateway logged: as one text, or each
/// line as the logger handed it over (an access line with its own '\n').
class captured_log {
 public:
  gateway::logger logger(gateway::log_level min = gateway::log_level::debug) {
    return gateway::logger(min, [this](gateway::log_level, std::string_view line) {
      std::lock_guard lock(mutex_);
      text_ += line;
      text_ += '\n';
      lines_.emplace_back(line);
    });
  }
  std::string text() const {
    std::lock_guard lock(mutex_);
    return text_;
  }
  std::vector<std::string> lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
  }

 private:
  mutable std::mutex mutex_;
  std::string text_;
  std::vector<std::string> lines_;
};

inline env_options with_gateway(std::function<void(gateway::gateway_config&)> f) {
  env_options o;
  o.gateway = std::move(f);
  return o;
}
inline env_options with_sim(std::function<void(gateway::sim::sim_config&)> f) {
  env_options o;
  o.sim = std::move(f);
  return o;
}
inline env_options plain_http_upstream() {
  env_options o;
  o.sim_tls = false;
  return o;
}

class test_env {
 public:
  explicit test_env(env_options options = {});
  ~test_env();

  gateway::sim::sim_server& sim() { return *sim_; }
  gateway::gateway_server& gateway() { return *gateway_; }
  unsigned short port() const { return gateway_->port(); }

  /// A plain HTTP request to the gateway.
  http_result request(std::string method, std::string target, std::string body = {},
                      std::map<std::string, std::string> headers = {{"content-type", "application/json"}});
  http_result chat(const std::string& body) { return request("POST", "/chat", body); }

  /// POST /chat expecting SSE; `on_event` sees every event and may return false to hang up.
  stream_result chat_stream(const std::string& body,
                            std::function<bool(const gateway::sse_event&)> on_event = {});

  /// Any POST expecting SSE (e.g. /v1/chat/completions with "stream": true).
  stream_result stream(const std::string& target, const std::string& body,
                       std::function<bool(const gateway::sse_event&)> on_event = {},
                       std::map<std::string, std::string> headers = {{"content-type", "application/json"}});

  /// Polls `condition` (on the test thread) until it holds or `limit` passes.
  static bool eventually(const std::function<bool()>& condition,
                         std::chrono::milliseconds limit = std::chrono::seconds(5));

  boost::asio::io_context& ioc() { return ioc_; }

 private:
  boost::asio::io_context ioc_{2};
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;
  std::optional<temp_file> ca_;  // the CA file of groq-sim's certificate (TLS only)
  std::unique_ptr<gateway::sim::sim_server> sim_;
  std::unique_ptr<gateway::gateway_server> gateway_;
};

/// A JSON string value as std::string (boost::json::value does not compare with std::string).
inline std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

/// A /chat body with the question JSON-escaped.
std::string chat_body(const std::string& question, bool stream = false, const std::string& extra = {});

/// The answer groq-sim gives to `question` with the gateway's default 300-token budget.
std::string expected_answer(const std::string& question, unsigned tokens = 48);

}  // namespace test
