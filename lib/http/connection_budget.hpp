// The process's budgets for what many clients together hold: client connections open at once
// (MAX_CONNECTIONS), connections per client address (MAX_CONNECTIONS_PER_CLIENT), new connections a
// second per client address (CONNECTION_RATE_PER_CLIENT: what a client may make the gateway accept
// and read, however short-lived its connections) and request body
// bytes held in memory at once across every connection (MAX_INFLIGHT_REQUEST_BYTES), charged as the
// body's buffer grows with bytes that arrived - never with what a header promises. The per
// connection bounds (framing.hpp) times these make the process's bound (docs/operations.md,
// "Memory per connection: what bounds it").
// Holds are RAII (`ticket`, `body_hold`): a connection or a body is counted exactly while the
// object lives, whichever way its coroutine ends. Each hold keeps the budget alive (shared_ptr),
// because a connection's frame may be destroyed after the server's state when the io_context is
// torn down with coroutines suspended.
// Threading: thread-safe. admit() runs on the listener's strand; tickets and body holds are
// released on the connection's strand (or by whichever thread destroys a frame); charge_body()
// runs on connection strands; stats() on the /metrics request's strand. Counters are atomics; the
// per-client maps have one mutex, taken only when a per-client cap is on, for one map operation.
// The open-connections map holds at most one entry per open connection, so it is bounded by
// MAX_CONNECTIONS; the arrivals map by max_rate_tracked (an entry whose allowance is whole again -
// at most a second after its client's last connection - is swept out, and past the bound a client
// is admitted untracked: the other caps still hold).
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace gateway {

struct connection_limits {
  std::size_t max_connections = 1024;       // client connections open at once (at least 1)
  std::size_t max_per_client = 256;         // per client address group; 0: no cap
  std::size_t max_inflight_body_bytes = 0;  // request body bytes held at once; 0: no budget
  std::size_t new_per_client_per_second = 0;  // new connections a second per group, a second's
                                              // worth at once; 0: no rate
  std::size_t max_rate_tracked = 65'536;      // groups whose arrivals are remembered at most
};

struct connection_budget_stats {
  std::uint64_t open = 0;                 // connections admitted and not closed yet
  std::uint64_t refused_max = 0;          // refused by max_connections
  std::uint64_t refused_per_client = 0;   // refused by max_per_client
  std::uint64_t refused_rate = 0;         // refused by new_per_client_per_second
  std::uint64_t bodies_refused = 0;       // requests refused by the body budget
  std::uint64_t inflight_body_bytes = 0;  // body bytes charged right now
};

class connection_budget : public std::enable_shared_from_this<connection_budget> {
 public:
  enum class refusal { none, max_connections, per_client, rate };

  /// A connection counted while it lives. Move-only; empty when default-made or moved from.
  class ticket {
   public:
    ticket() = default;
    ticket(ticket&&) noexcept = default;
    ticket& operator=(ticket&& other) noexcept;
    ticket(const ticket&) = delete;
    ticket& operator=(const ticket&) = delete;
    ~ticket() { release(); }
    explicit operator bool() const { return owner_ != nullptr; }

   private:
    friend class connection_budget;
    ticket(std::shared_ptr<connection_budget> owner, std::string group)
        : owner_(std::move(owner)), group_(std::move(group)) {}
    void release();
    std::shared_ptr<connection_budget> owner_;
    std::string group_;  // the client's address group; "" when per-client counting is off
  };

  /// Body bytes counted while it lives. Move-only.
  class body_hold {
   public:
    body_hold() = default;
    body_hold(body_hold&& other) noexcept
        : owner_(std::move(other.owner_)), bytes_(other.bytes_), refused_(other.refused_) {
      other.bytes_ = 0;
      other.refused_ = false;
    }
    body_hold& operator=(body_hold&& other) noexcept;
    body_hold(const body_hold&) = delete;
    body_hold& operator=(const body_hold&) = delete;
    ~body_hold() { release(); }
    void release();
    std::size_t bytes() const { return bytes_; }

   private:
    friend class connection_budget;
    body_hold(std::shared_ptr<connection_budget> owner, std::size_t bytes)
        : owner_(std::move(owner)), bytes_(bytes) {}
    std::shared_ptr<connection_budget> owner_;
    std::size_t bytes_ = 0;
    bool refused_ = false;  // a charge was refused: counted once
  };

  struct admission {
    refusal refused = refusal::none;
    ticket held;  // set when admitted
  };

  /// Made through create(): holds share its ownership.
  static std::shared_ptr<connection_budget> create(const connection_limits& limits);

  /// Counts a new connection from `client_group` (address_group() of the peer) arriving at `now`,
  /// or refuses it and counts the refusal: the rate first (a refused arrival costs no place), then
  /// max_connections, then max_per_client. The group is only read when a per-client cap is set.
  admission admit(std::string client_group,
                  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now());

  /// Adds `bytes` of request body to `hold` (a body's buffer grew by that much); false when that
  /// would pass the budget: nothing is added, and the refusal is counted once per hold. Zero bytes
  /// and a budget of 0 (off) always pass.
  bool charge_body(std::size_t bytes, body_hold& hold);
  /// Adds `bytes` to `hold` whether or not they fit: what an allocator gave past what was charged
  /// (at most the size of the buffer before it grew). A budget of 0 (off) adds nothing.
  void charge_body_unchecked(std::size_t bytes, body_hold& hold);

  connection_budget_stats stats() const;
  const connection_limits& limits() const { return limits_; }
  bool per_client() const { return limits_.max_per_client != 0; }
  /// Whether admit() reads the client's group (a per-client cap or rate is on).
  bool needs_group() const { return per_client() || limits_.new_per_client_per_second != 0; }

  explicit connection_budget(const connection_limits& limits) : limits_(limits) {}

 private:
  void release_connection(const std::string& group);
  /// Whether one more arrival from `group` fits its rate (and records it). Under clients_mutex_.
  bool arrival_fits(const std::string& group, std::chrono::steady_clock::time_point now);
  void release_body(std::size_t bytes) {
    inflight_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  }

  const connection_limits limits_;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> inflight_bytes_{0};
  std::atomic<std::uint64_t> refused_max_{0}, refused_per_client_{0}, refused_rate_{0}, bodies_refused_{0};
  std::mutex clients_mutex_;
  std::unordered_map<std::string, std::size_t> clients_;  // open connections per group; guarded
  // Per group, the theoretical arrival time (GCRA) of its next connection; guarded.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> arrivals_;
  std::chrono::steady_clock::time_point next_sweep_{};  // guarded
};

}  // namespace gateway
