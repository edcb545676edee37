// The follower side's one blocking reader: a single XREAD BLOCK over every Redis Stream this
// instance follows right now, on a connection of its own (a blocking command would stall the
// pipelined one), handing each stream's new entries to its subscriber. A new subscription waits
// at most one BLOCK period (50 ms) to be included.
// Threading: thread-safe; deliveries run on the reader's strand (subscribers post to their own).
#pragma once

#include "net/asio_fwd.hpp"
#include "redis/redis_client.hpp"

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace gateway::cluster {

/// How long one XREAD BLOCK waits: also the longest a new follower waits to be included.
inline constexpr std::chrono::milliseconds stream_reader_block{50};

struct stream_entry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
};

class stream_reader : public std::enable_shared_from_this<stream_reader> {
 public:
  using deliver_fn = std::function<void(std::vector<stream_entry>)>;

  /// Ends its subscription when destroyed.
  class subscription {
   public:
    ~subscription();
    subscription(const subscription&) = delete;
    subscription& operator=(const subscription&) = delete;

   private:
    friend class stream_reader;
    subscription(std::weak_ptr<stream_reader> r, std::uint64_t id) : reader_(std::move(r)), id_(id) {}
    std::weak_ptr<stream_reader> reader_;
    std::uint64_t id_;
  };

  static std::shared_ptr<stream_reader> create(asio::any_io_executor ex, std::shared_ptr<redis::redis_client> blocking,
                                               std::chrono::milliseconds block);
  void start();
  void stop();

  /// Entries of `key` after `from` ("0": all), as they come.
  std::unique_ptr<subscription> subscribe(std::string key, deliver_fn deliver);

 private:
  stream_reader(asio::any_io_executor ex, std::shared_ptr<redis::redis_client> blocking, std::chrono::milliseconds block);
  asio::awaitable<void> run(std::shared_ptr<stream_reader> self);
  void remove(std::uint64_t id);

  struct sub {
    std::uint64_t id;
    std::string key;
    std::string last = "0";
    deliver_fn deliver;
  };
  asio::any_io_executor ex_;
  std::shared_ptr<redis::redis_client> redis_;
  std::chrono::milliseconds block_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<sub>> subs_;  // guarded
  std::uint64_t next_id_ = 0;               // guarded
  bool stopped_ = false;                    // guarded
  std::shared_ptr<asio::steady_timer> idle_; // the loop sleeps on it while nothing is followed
};

}  // namespace gateway::cluster
