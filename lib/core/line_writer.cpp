#include "core/line_writer.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <unistd.h>

namespace gateway {

line_writer::line_writer(int fd, std::size_t max_buffered_bytes)
    : fd_(fd), max_bytes_(max_buffered_bytes), thread_([this] { run(); }) {}

line_writer::~line_writer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void line_writer::write(std::string line) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() + line.size() > max_bytes_) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pending_ += line;
  }
  wake_.notify_one();
}

void line_writer::flush() {
  std::unique_lock lock(mutex_);
  drained_.wait(lock, [this] { return pending_.empty() && !writing_; });
}

void line_writer::run() {
  std::string batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      writing_ = false;
      drained_.notify_all();
      wake_.wait(lock, [this] { return stop_ || !pending_.empty(); });
      if (pending_.empty() && stop_) return;
      batch.swap(pending_);
      pending_.clear();
      writing_ = true;
    }
    if (const auto lost = dropped_.load(std::memory_order_relaxed); lost != dropped_reported_) {
      batch += fmt::format("log: {} line(s) dropped: the output could not keep up\n", lost - dropped_reported_);
      dropped_reported_ = lost;
    }
    std::size_t done = 0;
    while (done < batch.size()) {
      const auto n = ::write(fd_, batch.data() + done, batch.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // the output is gone: nothing sensible left to do with the lines
      done += static_cast<std::size_t>(n);
    }
    batch.clear();
  }
}

}  // namespace gateway
