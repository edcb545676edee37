// The line writer's hand-over (lib/core/line_writer.hpp): per-thread buffers taken by size or by
// time, never a wait on a stalled output, drops counted, each thread's order kept, nothing lost at
// exit.
#include "core/line_writer.hpp"

#include <fmt/format.h>
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

using namespace gateway;
using namespace std::chrono_literals;

namespace {

struct test_pipe {
  int read_fd = -1, write_fd = -1;
  test_pipe() {
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    read_fd = fds[0];
    write_fd = fds[1];
  }
  ~test_pipe() {
    close_write();
    ::close(read_fd);
  }
  test_pipe(const test_pipe&) = delete;
  test_pipe& operator=(const test_pipe&) = delete;
  void close_write() {
    if (write_fd >= 0) ::close(write_fd);
    write_fd = -1;
  }
  /// What arrives within `wait` (less when `want` bytes came first).
  std::string read_for(std::chrono::milliseconds wait, std::size_t want = SIZE_MAX) const {
    std::string out;
    const auto until = std::chrono::steady_clock::now() + wait;
    while (out.size() < want) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{read_fd, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[65536];
      const auto n = ::read(read_fd, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  /// Everything until the write end is closed (by the test, after the writer is gone).
  std::string read_to_end() const {
    std::string out;
    char buf[65536];
    for (;;) {
      const auto n = ::read(read_fd, buf, sizeof buf);
      if (n <= 0) return out;
      out.append(buf, static_cast<std::size_t>(n));
    }
  }
};

line_writer::options opts(std::size_t max, std::size_t flush_bytes,
                          std::chrono::milliseconds interval) {
  line_writer::options o;
  o.max_buffered_bytes = max;
  o.flush_bytes = flush_bytes;
  o.flush_interval = interval;
  return o;
}

}  // namespace

TEST_CASE("line writer: a buffer that reaches flush_bytes is written without waiting for the timer",
          "[logging][line_writer]") {
  test_pipe p;
  line_writer w(p.write_fd, opts(1 << 20, 100, std::chrono::hours(1)));
  // The first line after a quiet spell wakes the writer thread at once (nothing ticks while idle).
  w.write("first\n");
  CHECK(p.read_for(5s, 6) == "first\n");
  // Now it waits out its interval (an hour): a short line stays in the buffer...
  w.write("second\n");
  CHECK(p.read_for(200ms).empty());
  // ...until the buffer holds flush_bytes.
  const std::string filler(100, 'x');
  w.write(filler + "\n");
  CHECK(p.read_for(5s, 7 + 101) == "second\n" + filler + "\n");
}

TEST_CASE("line writer: lines below flush_bytes are written every flush_interval",
          "[logging][line_writer]") {
  test_pipe p;
  line_writer w(p.write_fd, opts(1 << 20, 1 << 16, 20ms));
  w.write("first\n");
  CHECK(p.read_for(5s, 6) == "first\n");
  // No wake-up for this one (the writer thread is in its timed wait): the timer takes it.
  w.write("second\n");
  CHECK(p.read_for(5s, 7) == "second\n");
  // And after a quiet spell, the first line wakes it again.
  std::this_thread::sleep_for(100ms);
  w.write("third\n");
  CHECK(p.read_for(5s, 6) == "third\n");
}

TEST_CASE(
    "line writer: a stalled output never blocks write(), what does not fit is dropped and counted",
    "[logging][line_writer]") {
  test_pipe p;
  // Nobody reads the pipe: the writer thread blocks in write() once the pipe (64 KiB) is full.
  const std::size_t bound = 8192;
  auto w = std::make_unique<line_writer>(p.write_fd, opts(bound, 1024, 1ms));
  const std::string line = std::string(99, 'y') + "\n";
  const int lines = 5000;  // 500 KB: far more than the pipe, the buffer and the batch together
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < lines; ++i) w->write(line);
  // Every call came back although the output is stuck (a blocking write() would hang here).
  CHECK(std::chrono::steady_clock::now() - started < 10s);
  const auto dropped = w->dropped();
  // At most the pipe, the writer thread's batch and this thread's buffer hold lines.
  const auto could_be_kept = (::fcntl(p.read_fd, F_GETPIPE_SZ) + 2 * bound) / line.size() + 2;
  CHECK(dropped >= lines - could_be_kept);
  CHECK(dropped < static_cast<std::uint64_t>(lines));
  // The reader comes back: the lines kept come out whole, then the report of the ones dropped.
  std::string out;
  std::thread reader([&] { out = p.read_to_end(); });
  w->write("after\n");  // dropped too when the buffer is still full; counted either way
  w.reset();            // writes out what is buffered, joins
  p.close_write();
  reader.join();
  const auto total_dropped = dropped + (out.find("after\n") == std::string::npos ? 1 : 0);
  std::istringstream in(out);
  std::string l;
  std::uint64_t whole = 0, reported = 0;
  while (std::getline(in, l)) {
    if (l == line.substr(0, 99)) {
      ++whole;
    } else if (l.starts_with("log: ")) {
      reported += std::stoull(l.substr(5));
      CHECK(l.find("line(s) dropped") != std::string::npos);
    } else {
      CHECK(l == "after");
    }
  }
  CHECK(whole + dropped == static_cast<std::uint64_t>(lines));
  CHECK(reported == total_dropped);
}

TEST_CASE("line writer: the lines of each thread keep their order", "[logging][line_writer]") {
  test_pipe p;
  std::string out;
  std::thread reader([&] { out = p.read_to_end(); });
  const int threads = 4, per_thread = 5000;
  {
    // Small buffers and a short interval: many swaps while the threads write.
    line_writer w(p.write_fd, opts(1 << 20, 512, 1ms));
    std::vector<std::thread> writers;
    for (int t = 0; t < threads; ++t)
      writers.emplace_back([&w, t] {
        for (int i = 0; i < per_thread; ++i) w.write(fmt::format("t{} {}\n", t, i));
      });
    for (auto& t : writers) t.join();
    CHECK(w.dropped() == 0);
  }
  p.close_write();
  reader.join();
  std::map<int, int> next;  // thread -> the number its next line must have
  std::istringstream in(out);
  std::string l;
  int count = 0;
  while (std::getline(in, l)) {
    int t = -1, i = -1;
    REQUIRE(std::sscanf(l.c_str(), "t%d %d", &t, &i) == 2);
    REQUIRE(i == next[t]);
    ++next[t];
    ++count;
  }
  CHECK(count == threads * per_thread);
}

TEST_CASE("line writer: no line is lost at exit, from live threads or finished ones",
          "[logging][line_writer]") {
  test_pipe p;
  {
    // An hour's interval and a large flush size: nothing is written before the destructor.
    line_writer w(p.write_fd, opts(1 << 20, 1 << 19, std::chrono::hours(1)));
    w.write("wakes the writer\n");
    REQUIRE(p.read_for(5s, 17) == "wakes the writer\n");
    w.write("main 1\n");
    std::thread([&] { w.write("a thread that has ended\n"); }).join();
    w.write("main 2\n");
    CHECK(p.read_for(100ms).empty());
  }
  p.close_write();
  const auto out = p.read_to_end();
  CHECK(out.find("main 1\n") != std::string::npos);
  CHECK(out.find("main 1\n") < out.find("main 2\n"));
  CHECK(out.find("a thread that has ended\n") != std::string::npos);
}

TEST_CASE("line writer: flush() returns once every line written before it is out",
          "[logging][line_writer]") {
  test_pipe p;
  line_writer w(p.write_fd, opts(1 << 20, 1 << 19, std::chrono::hours(1)));
  w.write("one\n");
  std::thread([&] { w.write("two\n"); }).join();
  w.flush();
  const auto out = p.read_for(100ms);
  CHECK(out.find("one\n") != std::string::npos);
  CHECK(out.find("two\n") != std::string::npos);
}

TEST_CASE("line writer: writers made and destroyed one after another in one thread stay apart",
          "[logging][line_writer]") {
  // The threads' caches know a writer by an id that is never reused, not by its address.
  for (int i = 0; i < 20; ++i) {
    test_pipe p;
    {
      line_writer w(p.write_fd);
      w.write(fmt::format("writer {}\n", i));
    }
    p.close_write();
    CHECK(p.read_to_end() == fmt::format("writer {}\n", i));
  }
}
