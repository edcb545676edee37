// Writes log lines to a file descriptor from a background thread, so that an io thread never blocks
// on a slow terminal, pipe or disk, and never wakes that thread for each line it writes.
//
// The hand-over: each thread that writes has a buffer of its own in the writer; write() appends
// the line to it under the buffer's own lock, which only the writer thread also takes, briefly,
// to swap the buffer out - no shared lock, no notify, no context switch per line. The writer
// thread takes every buffer's lines every `flush_interval`, or at once when a buffer holds
// `flush_bytes`, and writes them in one write() per round. When nothing was written for a whole
// interval it sleeps without a deadline and the first line after that wakes it (an idle process
// has no timer ticking).
//
// Bounds: a thread's buffer holds at most `max_buffered_bytes`; a line that does not fit - the
// reader of the output stalls, or lines come faster than it takes them - is dropped and counted
// instead of waiting (dropped(); the count is also written with the next lines that get through).
// The writer thread's batch is what it took from the buffers, so the memory is at most twice the
// bound per writing thread.
//
// Order: the lines of one thread come out in the order it wrote them; lines of different threads
// interleave by whole lines, in no particular order within one interval.
//
// Threading: write(), dropped() and flush() are thread-safe; write() never blocks on I/O. A thread
// that exits leaves its buffer behind: its lines are still written. Destruction writes out every
// line written before it (no other thread may write then) and joins the writer thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace gateway {

class line_writer {
 public:
  struct options {
    /// The most bytes one writing thread may have waiting; a line past it is dropped and counted.
    std::size_t max_buffered_bytes = 1 << 20;
    /// A thread's buffer this full has the writer thread take it before the interval is over
    /// (at most half of max_buffered_bytes is used, so a full buffer always wakes it first).
    std::size_t flush_bytes = 64 << 10;
    /// How long a line may wait in its thread's buffer while lines keep coming.
    std::chrono::milliseconds flush_interval{5};
  };

  explicit line_writer(int fd, std::size_t max_buffered_bytes = 1 << 20);
  line_writer(int fd, options opts);
  /// Writes out every line written before, then stops.
  ~line_writer();
  line_writer(const line_writer&) = delete;
  line_writer& operator=(const line_writer&) = delete;

  /// Queues one line (it should end with '\n'); drops and counts it when this thread's buffer is
  /// full.
  void write(std::string_view line);
  /// Lines dropped so far.
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  /// Blocks until every line written before the call is written (tests, shutdown).
  void flush();

 private:
  struct thread_buffer {
    std::mutex mutex;
    std::string lines;       // guarded by mutex
    bool wake_sent = false;  // guarded by mutex: the writer thread was asked to take `lines`
    std::string taken;       // writer thread only: the lines of its last swap
  };

  thread_buffer& buffer_of_this_thread();
  void wake();
  void run();
  void refresh_buffers(std::vector<thread_buffer*>& out) const;  // mutex_ held
  static bool any_waiting(const std::vector<thread_buffer*>& buffers);

  const int fd_;
  const options opts_;
  const std::uint64_t id_;  // never reused: what the threads' caches know this writer by
  mutable std::mutex mutex_;
  std::condition_variable wake_cv_, done_cv_;
  // One per thread that ever wrote; grows only (a thread id reused by a new thread gets the old
  // one's buffer, which is harmless). Guarded by mutex_; the buffers themselves by their own.
  std::vector<std::pair<std::thread::id, std::unique_ptr<thread_buffer>>> buffers_;
  bool wake_requested_ = false;                         // guarded by mutex_
  bool stop_ = false;                                   // guarded by mutex_
  std::uint64_t flush_requested_ = 0, flush_done_ = 0;  // guarded by mutex_
  // The writer thread waits without a deadline: the next line must wake it. Set under mutex_,
  // read by write() under its buffer's lock (why that is enough: run()).
  std::atomic<bool> sleeping_{false};
  std::atomic<std::uint64_t> dropped_{0};
  std::uint64_t dropped_reported_ = 0;  // writer thread only
  std::thread thread_;                  // last: it starts running in the constructor
};

}  // namespace gateway
