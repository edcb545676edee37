// Runs test clients on their own threads (each waits for its answer); join() before asserting.
#pragma once

#include <thread>
#include <utility>
#include <vector>

namespace test {

class client_threads {
 public:
  client_threads() { threads_.reserve(64); }
  ~client_threads() { join(); }
  template <class F>
  void add(F f) {
    threads_.push_back(std::thread(std::move(f)));
  }
  void join() {
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }

 private:
  std::vector<std::thread> threads_;
};

}  // namespace test
