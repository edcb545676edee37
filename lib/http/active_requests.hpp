// The requests being answered right now, so that a shutdown can end each one on its own strand
// (after SHUTDOWN_GRACE): every endpoint that calls the upstream registers its requests here.
// Threading: thread-safe; the abort runs on each request's strand.
#pragma once

#include "core/error.hpp"
#include "net/asio_fwd.hpp"

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>

namespace gateway {

class watchdog;

class active_requests {
 public:
  /// Keeps a request registered while it lives.
  class registration {
   public:
    registration() = default;
    registration(active_requests* owner, std::uint64_t slot) : owner_(owner), slot_(slot) {}
    registration(registration&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), slot_(o.slot_) {}
    registration& operator=(registration&&) = delete;
    ~registration();

   private:
    active_requests* owner_ = nullptr;
    std::uint64_t slot_ = 0;
  };

  /// `alive` turns false when the request is over; `wd` is its watchdog, only touched on `strand`.
  registration add(asio::any_io_executor strand, std::shared_ptr<bool> alive, watchdog* wd);
  /// Triggers every registered request's watchdog with `cause`, each on its own strand.
  void abort_all(error cause);

 private:
  struct entry {
    asio::any_io_executor strand;
    std::shared_ptr<bool> alive;
    watchdog* wd;
  };
  std::mutex mutex_;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, entry> entries_;
};

}  // namespace gateway
