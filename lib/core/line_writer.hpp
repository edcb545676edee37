// Writes log lines to a file descriptor from a background thread, so that an io thread never blocks
// on a slow terminal, pipe or disk. Lines wait in a bounded buffer; when it is full a line is dropped
// and counted instead (the count is reported with the next line that gets through).
// Threading: write() is thread-safe and never blocks on I/O.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace gateway {

class line_writer {
 public:
  explicit line_writer(int fd, std::size_t max_buffered_bytes = 1 << 20);
  /// Writes out what is buffered, then stops.
  ~line_writer();
  line_writer(const line_writer&) = delete;
  line_writer& operator=(const line_writer&) = delete;

  /// Queues one line (it should end with '\n').
  void write(std::string line);
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// Blocks until everything queued so far is written (tests, shutdown).
  void flush();

 private:
  void run();

  const int fd_;
  const std::size_t max_bytes_;
  std::mutex mutex_;
  std::condition_variable wake_, drained_;
  std::string pending_;  // guarded by mutex_
  bool writing_ = false;
  bool stop_ = false;
  std::atomic<std::uint64_t> dropped_{0};
  std::uint64_t dropped_reported_ = 0;  // writer thread only
  std::thread thread_;
};

}  // namespace gateway
