#include "redis/redis_client.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <optional>

namespace gateway::redis {
namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
using socket_t = asio::generic::stream_protocol::socket;
}  // namespace

std::string_view to_string(redis_errc e) {
  switch (e) {
    case redis_errc::ok: return "ok";
    case redis_errc::down: return "down";
    case redis_errc::timeout: return "timeout";
    case redis_errc::busy: return "busy";
    case redis_errc::protocol: return "protocol";
  }
  return "unknown";
}

struct redis_client::impl {
  // A command sent and not yet answered, in the order its reply will come.
  struct pending {
    explicit pending(asio::strand<asio::any_io_executor>& s) : timer(s) {}
    asio::steady_timer timer;  // the waiter sleeps on it; a reply (or a failure) cancels it
    redis_reply reply;
    bool done = false;
    bool waited = true;      // false for send(): nobody reads the reply
    bool abandoned = false;  // the waiter gave up (timeout); its reply is skipped
    std::shared_ptr<send_chain> chain;  // send() only: broken when this command is lost
  };

  impl(asio::any_io_executor ex, redis_settings s, logger l, redis_observer* o, std::atomic<bool>& up_flag)
      : strand(asio::make_strand(ex)), cfg(std::move(s)), log(std::move(l)), observer(o), up(up_flag),
        socket(strand), backoff_timer(strand) {}

  asio::strand<asio::any_io_executor> strand;
  redis_settings cfg;
  logger log;
  redis_observer* observer;
  std::atomic<bool>& up;
  // Everything below: on the strand only.
  socket_t socket;
  asio::steady_timer backoff_timer;
  resp_parser parser;
  std::deque<std::shared_ptr<pending>> queue;
  std::string out, writing_buffer;
  bool writing = false;
  bool connected = false;    // handshake done; commands are accepted
  bool handshaking = false;  // the connection's own PING/AUTH/SELECT may go
  bool stopped = false;
  bool ever_up = false;
  unsigned timeouts_in_row = 0;

  void set_up(bool now) {
    if (up.exchange(now) == now) return;
    if (observer) observer->redis_connection(now);
  }

  void close() {
    boost::system::error_code ec;
    socket.close(ec);
  }

  // Fails every waiting command (the connection is gone); their replies can no longer come.
  void fail_all(redis_errc why) {
    for (auto& p : queue) {
      if (p->chain) p->chain->broken = true;  // written or not, whether it ran is unknown
      if (p->done || p->abandoned) continue;
      p->reply.error = why;
      p->done = true;
      p->timer.cancel();
    }
    queue.clear();
    out.clear();
    parser = resp_parser();
  }

  void enqueue(const std::shared_ptr<pending>& p, const std::vector<std::string>& args) {
    std::vector<std::string_view> views(args.begin(), args.end());
    append_command(out, views);
    queue.push_back(p);
    if (!writing) asio::co_spawn(strand, write_loop(owner.lock()), asio::detached);
  }

  asio::awaitable<void> write_loop(std::shared_ptr<redis_client> /*keep-alive*/) {
    writing = true;
    while (!out.empty() && socket.is_open()) {
      std::swap(out, writing_buffer);
      out.clear();
      // No deadline of its own: a frozen Redis is noticed by the commands' timeouts, which close
      // the socket and so end this write too.
      auto [ec, n] = co_await asio::async_write(socket, asio::buffer(writing_buffer), tuple_awaitable);
      if (ec) {
        close();
        break;
      }
    }
    writing_buffer.clear();
    writing = false;
  }

  asio::awaitable<redis_reply> exec(std::vector<std::string> args, bool handshake) {
    const auto started = clock_type::now();
    const auto finish = [&](redis_reply r) {
      if (observer && !handshake)
        observer->redis_command(r.error,
                                std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started));
      return r;
    };
    if (stopped || !(connected || (handshake && handshaking))) co_return finish({redis_errc::down, {}});
    if (queue.size() >= cfg.max_pending) co_return finish({redis_errc::busy, {}});
    auto p = std::make_shared<pending>(strand);
    enqueue(p, args);
    p->timer.expires_after(cfg.timeout);
    co_await p->timer.async_wait(tuple_awaitable);
    if (!p->done) {
      p->abandoned = true;
      if (++timeouts_in_row >= cfg.stall_timeouts && socket.is_open()) {
        log.warn("redis: {} commands in a row got no reply within {} ms; reconnecting", timeouts_in_row,
                 cfg.timeout.count());
        close();  // the read loop ends; the connection loop backs off and reconnects
      }
      co_return finish({redis_errc::timeout, {}});
    }
    co_return finish(std::move(p->reply));
  }

  void post_send(std::vector<std::string> args, std::shared_ptr<send_chain> chain = nullptr,
                 std::vector<std::string> if_broken = {}) {
    if (chain && chain->broken && !if_broken.empty()) args = std::move(if_broken);
    if (!connected || queue.size() >= cfg.max_pending) {  // the shared tier is best effort ...
      if (chain) chain->broken = true;                     // ... but says what it lost
      return;
    }
    auto p = std::make_shared<pending>(strand);
    p->waited = false;
    p->chain = std::move(chain);
    enqueue(p, args);
  }

  asio::awaitable<boost::system::error_code> connect_once() {
    socket = socket_t(strand);
    parser = resp_parser();
    asio::steady_timer deadline(strand);
    deadline.expires_after(cfg.connect_timeout);
    bool expired = false;
    std::optional<asio::ip::tcp::resolver> resolver;
    deadline.async_wait([&](boost::system::error_code ec) {
      if (ec) return;
      expired = true;
      if (resolver) resolver->cancel();
      close();
    });
    boost::system::error_code ec;
    if (!cfg.address.unix_path.empty()) {
      const asio::local::stream_protocol::endpoint ep(cfg.address.unix_path);
      socket.open(asio::generic::stream_protocol(ep.protocol()), ec);
      if (!ec) std::tie(ec) = co_await socket.async_connect(ep, tuple_awaitable);
    } else {
      resolver.emplace(strand);
      auto [rec, results] = co_await resolver->async_resolve(cfg.address.host, std::to_string(cfg.address.port),
                                                             tuple_awaitable);
      ec = rec;
      if (!ec && !expired) {
        ec = asio::error::host_not_found;
        for (const auto& entry : results) {
          const asio::generic::stream_protocol::endpoint ep(entry.endpoint());
          close();
          socket.open(ep.protocol(), ec);
          if (!ec) std::tie(ec) = co_await socket.async_connect(ep, tuple_awaitable);
          if (!ec || expired) break;
        }
      }
    }
    deadline.cancel();
    if (expired) ec = asio::error::timed_out;
    co_return ec;
  }

  // AUTH and SELECT when asked for, then PING: a connection is usable only once Redis answers on
  // it (a stopped Redis still accepts TCP connections into its backlog).
  asio::awaitable<bool> handshake() {
    handshaking = true;
    std::vector<std::vector<std::string>> steps;
    const auto& a = cfg.address;
    if (!a.password.empty()) {
      if (a.user.empty()) steps.push_back({"AUTH", a.password});
      else steps.push_back({"AUTH", a.user, a.password});
    }
    if (a.db != 0) steps.push_back({"SELECT", std::to_string(a.db)});
    steps.push_back({"PING"});
    bool ok = true;
    for (auto& step : steps) {
      const bool auth = step.front() == "AUTH";
      auto reply = co_await exec(std::move(step), true);
      if (!reply.ok()) {
        // Redis's error text for AUTH names no secret; ours never prints the password.
        log.warn("redis: {} failed: {}", auth ? "AUTH" : "handshake",
                 reply.error != redis_errc::ok ? std::string(to_string(reply.error)) : reply.value.text);
        ok = false;
        break;
      }
    }
    handshaking = false;
    co_return ok;
  }

  asio::awaitable<void> read_loop() {
    std::vector<char> buffer(16 * 1024);
    std::vector<resp_value> replies;
    for (;;) {
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(buffer), tuple_awaitable);
      if (ec) co_return;
      replies.clear();
      if (!parser.feed(std::string_view(buffer.data(), n), replies)) {
        log.warn("redis: unreadable reply; reconnecting");
        co_return;
      }
      for (auto& value : replies) {
        if (queue.empty()) {
          log.warn("redis: a reply nobody asked for; reconnecting");
          co_return;
        }
        auto p = std::move(queue.front());
        queue.pop_front();
        timeouts_in_row = 0;
        if (p->chain && value.is_error()) p->chain->broken = true;
        if (!p->waited || p->abandoned) continue;
        p->reply.value = std::move(value);
        p->done = true;
        p->timer.cancel();
      }
    }
  }

  asio::awaitable<void> run(std::shared_ptr<redis_client> /*keep-alive*/) {
    auto backoff = cfg.backoff_min;
    bool warned = false;
    while (!stopped) {
      const auto ec = co_await connect_once();
      if (!ec && !stopped) {
        // The handshake's replies come through the read loop, which must run meanwhile.
        asio::co_spawn(strand, read_loop(), [this](std::exception_ptr) {
          close();
          read_done = true;
          read_finished.cancel();
        });
        read_done = false;
        if (co_await handshake()) {
          connected = true;
          timeouts_in_row = 0;
          set_up(true);
          log.info("redis: connected to {}", cfg.address.describe());
          ever_up = true;
          warned = false;
          backoff = cfg.backoff_min;
        } else {
          close();
        }
        while (!read_done) {
          read_finished.expires_at(clock_type::time_point::max());
          co_await read_finished.async_wait(tuple_awaitable);
        }
        if (connected) log.warn("redis: connection to {} lost", cfg.address.describe());
        connected = false;
        set_up(false);
        fail_all(redis_errc::protocol);
      } else if (!warned && !stopped) {
        log.warn("redis: cannot connect to {} ({}); serving without the shared tier, retrying",
                 cfg.address.describe(), ec.message());
        warned = true;
      }
      fail_all(redis_errc::down);
      if (stopped) break;
      backoff_timer.expires_after(backoff);
      co_await backoff_timer.async_wait(tuple_awaitable);
      backoff = std::min(backoff * 2, cfg.backoff_max);
    }
  }

  bool read_done = true;
  asio::steady_timer read_finished{strand};
  std::weak_ptr<redis_client> owner;  // set by create(): the loops keep the client alive
};

std::shared_ptr<redis_client> redis_client::create(asio::any_io_executor ex, redis_settings settings, logger log,
                                                   redis_observer* observer) {
  std::shared_ptr<redis_client> client(new redis_client(std::move(ex), std::move(settings), std::move(log), observer));
  client->impl_->owner = client;
  return client;
}

redis_client::redis_client(asio::any_io_executor ex, redis_settings settings, logger log, redis_observer* observer)
    : impl_(std::make_unique<impl>(std::move(ex), std::move(settings), std::move(log), observer, up_)) {}

redis_client::~redis_client() = default;

void redis_client::start() {
  asio::co_spawn(impl_->strand, impl_->run(shared_from_this()), asio::detached);
}

void redis_client::stop() {
  asio::post(impl_->strand, [self = shared_from_this()] {
    auto& i = *self->impl_;
    i.stopped = true;
    i.connected = false;
    i.backoff_timer.cancel();
    i.close();
    i.fail_all(redis_errc::down);
  });
}

asio::awaitable<redis_reply> redis_client::command(std::vector<std::string> args) {
  auto self = shared_from_this();
  co_return co_await asio::co_spawn(impl_->strand, impl_->exec(std::move(args), false), asio::use_awaitable);
}

void redis_client::send(std::vector<std::string> args) {
  asio::post(impl_->strand, [self = shared_from_this(), args = std::move(args)]() mutable {
    self->impl_->post_send(std::move(args));
  });
}

void redis_client::send(std::vector<std::string> args, std::shared_ptr<send_chain> chain,
                        std::vector<std::string> if_broken) {
  asio::post(impl_->strand, [self = shared_from_this(), args = std::move(args), chain = std::move(chain),
                            if_broken = std::move(if_broken)]() mutable {
    self->impl_->post_send(std::move(args), std::move(chain), std::move(if_broken));
  });
}

}  // namespace gateway::redis
