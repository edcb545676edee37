#include "core/line_writer.hpp"

#include <fmt/format.h>

#include <unistd.h>
#include <algorithm>
#include <array>
#include <cerrno>

namespace gateway {

namespace {

std::atomic<std::uint64_t> next_writer_id{1};

line_writer::options with_bound(std::size_t max_buffered_bytes) {
  line_writer::options o;
  o.max_buffered_bytes = max_buffered_bytes;
  return o;
}

void write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const auto n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the output is gone: nothing sensible left to do with the lines
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

line_writer::line_writer(int fd, std::size_t max_buffered_bytes)
    : line_writer(fd, with_bound(max_buffered_bytes)) {}

line_writer::line_writer(int fd, options opts)
    : fd_(fd),
      opts_([&] {
        opts.flush_bytes =
            std::max<std::size_t>(1, std::min(opts.flush_bytes, opts.max_buffered_bytes / 2));
        return opts;
      }()),
      id_(next_writer_id.fetch_add(1, std::memory_order_relaxed)),
      thread_([this] { run(); }) {}

line_writer::~line_writer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_cv_.notify_one();
  thread_.join();
}

// The calling thread's buffer: from a small per-thread cache of (writer, buffer) pairs, else from
// the registry (by thread id, so that a cache entry pushed out finds the same buffer again and the
// thread's lines keep their order). A writer's id is never reused, so an entry of a writer that is
// gone never matches again.
line_writer::thread_buffer& line_writer::buffer_of_this_thread() {
  struct entry {
    std::uint64_t writer = 0;
    thread_buffer* buffer = nullptr;
  };
  static thread_local std::array<entry, 4> cache{};
  static thread_local unsigned next_slot = 0;
  for (const auto& e : cache)
    if (e.writer == id_) return *e.buffer;
  thread_buffer* found = nullptr;
  {
    std::lock_guard lock(mutex_);
    const auto self = std::this_thread::get_id();
    for (auto& [id, buffer] : buffers_)
      if (id == self) found = buffer.get();
    if (!found) found = buffers_.emplace_back(self, std::make_unique<thread_buffer>()).second.get();
  }
  cache[next_slot++ % cache.size()] = {id_, found};
  return *found;
}

void line_writer::write(std::string_view line) {
  auto& b = buffer_of_this_thread();
  bool wake_now = false;
  {
    std::lock_guard lock(b.mutex);
    const bool fits = b.lines.size() + line.size() <= opts_.max_buffered_bytes;
    if (fits) b.lines.append(line);
    // The writer thread is asked once per swap: when the buffer is due (or full), or when it
    // sleeps without a deadline. Reading sleeping_ under the buffer's lock is what makes the
    // second case safe (see run()).
    if (!b.wake_sent &&
        (!fits || b.lines.size() >= opts_.flush_bytes || sleeping_.load(std::memory_order_relaxed)))
      wake_now = b.wake_sent = true;
    if (!fits) dropped_.fetch_add(1, std::memory_order_relaxed);
  }
  if (wake_now) wake();
}

void line_writer::wake() {
  {
    std::lock_guard lock(mutex_);
    wake_requested_ = true;
  }
  wake_cv_.notify_one();
}

void line_writer::flush() {
  std::unique_lock lock(mutex_);
  const auto ticket = ++flush_requested_;
  wake_requested_ = true;
  wake_cv_.notify_one();
  done_cv_.wait(lock, [&] { return flush_done_ >= ticket; });
}

void line_writer::refresh_buffers(std::vector<thread_buffer*>& out) const {
  if (out.size() == buffers_.size()) return;  // the registry only grows
  out.clear();
  for (const auto& [id, buffer] : buffers_) out.push_back(buffer.get());
}

bool line_writer::any_waiting(const std::vector<thread_buffer*>& buffers) {
  return std::any_of(buffers.begin(), buffers.end(), [](thread_buffer* b) {
    std::lock_guard lock(b->mutex);
    return !b->lines.empty();
  });
}

void line_writer::run() {
  std::vector<thread_buffer*> buffers;  // the registry's buffers, copied under mutex_
  std::string batch;
  bool idle = true;  // the last round took nothing (none yet: the first line wakes this thread)
  for (;;) {
    std::uint64_t serving = 0;
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      const auto woken = [this] {
        return stop_ || wake_requested_ || flush_requested_ != flush_done_;
      };
      if (idle && !woken()) {
        // Nothing came for a whole interval: sleep until a line comes. sleeping_ is set before
        // the buffers are looked at, and write() reads it under the buffer's lock after
        // appending: either this look finds the line, or the line's write() locked the buffer
        // after it, and then sees sleeping_ set and wakes this thread. A buffer registered after
        // the copy below sees sleeping_ through mutex_.
        sleeping_.store(true, std::memory_order_relaxed);
        refresh_buffers(buffers);
        lock.unlock();
        const bool waiting = any_waiting(buffers);
        lock.lock();
        if (!waiting) wake_cv_.wait(lock, woken);
        sleeping_.store(false, std::memory_order_relaxed);
      } else {
        wake_cv_.wait_for(lock, opts_.flush_interval, woken);
      }
      wake_requested_ = false;
      serving = flush_requested_;
      stopping = stop_;
      refresh_buffers(buffers);
    }
    // Each buffer is swapped out under its lock (no copy while a writing thread might wait),
    // then copied into the batch.
    for (auto* b : buffers) {
      {
        std::lock_guard lock(b->mutex);
        b->lines.swap(b->taken);
        b->wake_sent = false;
      }
      batch += b->taken;
      b->taken.clear();
    }
    idle = batch.empty();
    if (const auto lost = dropped_.load(std::memory_order_relaxed); lost != dropped_reported_) {
      batch += fmt::format("log: {} line(s) dropped: the output could not keep up\n",
                           lost - dropped_reported_);
      dropped_reported_ = lost;
    }
    write_all(fd_, batch);
    batch.clear();
    {
      std::lock_guard lock(mutex_);
      flush_done_ = serving;
    }
    done_cv_.notify_all();
    if (stopping) return;  // stop_ is set by the destructor: no line is written after it
  }
}

}  // namespace gateway
