// Exports finished spans to an OpenTelemetry collector by OTLP/HTTP (JSON encoding), off the
// request path: requests hand their spans over with submit(), which never waits (a short lock and
// a move; past OTEL_BSP_MAX_QUEUE_SIZE the spans are dropped and counted), and one thread of the
// exporter's own sends them in batches, every OTEL_BSP_SCHEDULE_DELAY or as soon as a batch is
// full, each POST under OTEL_EXPORTER_OTLP_TIMEOUT, over TLS (verified) for an https collector. A
// collector that is down or slow costs the requests nothing but the spans it does not take.
// Threading: submit() and stats() from any thread; the rest is the exporter's thread.
#pragma once

#include "core/logger.hpp"
#include "trace/otlp_json.hpp"
#include "trace/span.hpp"
#include "net/asio_fwd.hpp"
#include "transport/base_url.hpp"

#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace gateway {

struct span_export_settings {
  base_url collector;  // scheme, host and port
  std::string target;  // the path, e.g. /v1/traces
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{10'000};
  std::chrono::milliseconds schedule_delay{5'000};
  std::size_t max_queue = 2048, max_batch = 512;
  std::string ca_file;  // beside the system's CAs, for an https collector
  trace_resource resource;
};

class span_exporter {
 public:
  /// Starts the exporter's thread. Throws when an https collector's CA file cannot be read.
  span_exporter(span_export_settings settings, logger log);
  /// Sends what is queued, for one export timeout at most (what is left then is dropped), then stops.
  ~span_exporter();
  span_exporter(const span_exporter&) = delete;
  span_exporter& operator=(const span_exporter&) = delete;

  /// One request's spans; never waits.
  void submit(std::vector<span> spans);

  struct counters {
    std::uint64_t exported = 0;  // spans the collector accepted (a 2xx)
    std::uint64_t dropped = 0;   // spans refused at submit(): the queue was full
    std::uint64_t failed = 0;    // spans of exports that failed (connection, timeout, non-2xx)
  };
  counters stats() const;

 private:
  void run();
  bool post(const std::string& body);

  span_export_settings settings_;
  logger log_;
  std::unique_ptr<asio::ssl::context> tls_;  // an https collector's
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<span> queue_;  // guarded by mutex_; a batch leaves from the front
  bool stopping_ = false;    // guarded by mutex_
  std::atomic<std::uint64_t> exported_{0}, dropped_{0}, failed_{0};
  std::thread thread_;
};

}  // namespace gateway
