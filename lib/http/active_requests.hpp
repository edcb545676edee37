// The requests being answered right now, so that a shutdown can end each one on its own strand
// (after SHUTDOWN_GRACE): every endpoint that calls the upstream registers its requests here.
// A registration is a node of an intrusive list, in the request's own frame: registering takes a
// lock and links two pointers - no allocation, no copy of the strand (a cache hit registers too,
// and benchmark 9 counts every instruction of it).
// Threading: thread-safe; the abort runs on each request's strand.
#pragma once

#include "core/error.hpp"
#include "net/asio_fwd.hpp"

#include <memory>
#include <mutex>

namespace gateway {

class watchdog;

class active_requests {
 public:
  /// Keeps a request registered while it lives. Its strand, `alive` flag and watchdog (only touched
  /// on the strand) are the request's own, and must outlive the registration: abort_all reads them,
  /// under the lock, while it is registered (a temporary does not compile). Its end sets `alive`
  /// false: an abort posted before then does nothing, whichever way the request's frame ends.
  class registration {
   public:
    registration(active_requests& owner, const asio::any_io_executor& strand, std::shared_ptr<bool>& alive,
                 watchdog* wd);
    registration(active_requests&, asio::any_io_executor&&, std::shared_ptr<bool>&, watchdog*) = delete;
    ~registration();
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;

   private:
    friend class active_requests;
    active_requests& owner_;
    const asio::any_io_executor& strand_;
    std::shared_ptr<bool>& alive_;
    watchdog* wd_;
    registration* prev_ = nullptr;  // guarded by owner_.mutex_
    registration* next_ = nullptr;
  };

  /// Triggers every registered request's watchdog with `cause`, each on its own strand.
  void abort_all(error cause);

 private:
  std::mutex mutex_;
  registration* first_ = nullptr;  // guarded
};

}  // namespace gateway
