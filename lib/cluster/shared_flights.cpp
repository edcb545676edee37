#include "cluster/shared_flights.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "cluster/piece_sequence.hpp"
#include "cluster/shared_answer_store.hpp"
#include "redis/redis_script.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <charconv>
#include <deque>
#include <mutex>

namespace gateway::cluster {
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// KEYS: the answer, the lock, the stream (one hash tag: one slot); ARGV: the lock's value, its TTL.
// {1, ENTRY}: answered already; {2}: the lock is ours (an old stream is cleared); {3, HOLDER}.
constexpr std::string_view claim_script = R"lua(
local a = redis.call('GET', KEYS[1])
if a then return {1, a} end
if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ARGV[2]) then
  redis.call('DEL', KEYS[3])
  return {2}
end
return {3, redis.call('GET', KEYS[2]) or ''}
)lua";

std::string encode_failure(const remote_failure& f) {
  std::string out = std::to_string(static_cast<int>(f.code));
  out.push_back('\n');
  out.append(std::to_string(f.upstream_status));
  out.push_back('\n');
  out.append(f.retry_after);
  out.push_back('\n');
  out.append(f.message);
  return out;
}

// Anything unreadable is the generic "upstream closed": never a guess at another cause.
remote_failure decode_failure(std::string_view text) {
  remote_failure f;
  std::string_view parts[4];
  for (std::size_t i = 0; i < 3; ++i) {
    const auto nl = text.find('\n');
    if (nl == std::string_view::npos) return f;
    parts[i] = text.substr(0, nl);
    text.remove_prefix(nl + 1);
  }
  parts[3] = text;
  int code = 0;
  if (std::from_chars(parts[0].data(), parts[0].data() + parts[0].size(), code).ec != std::errc{} || code < 0 ||
      code > static_cast<int>(error::shutting_down))  // the last enumerator
    return f;
  f.code = static_cast<error>(code);
  std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), f.upstream_status);
  f.retry_after = std::string(parts[2]);
  f.message = std::string(parts[3]);
  return f;
}

}  // namespace

// ---- the leader ------------------------------------------------------------------------------

// The heartbeat keeps the lock while the call runs: a leader that dies stops renewing it.
struct flight_publisher::beat {
  explicit beat(asio::any_io_executor strand) : timer(strand) {}
  asio::steady_timer timer;
  bool stopped = false;
};

flight_publisher::flight_publisher(std::shared_ptr<redis::redis_client> redis, std::string prefix,
                                   asio::any_io_executor strand, shared_flight_settings s)
    : redis_(std::move(redis)), prefix_(std::move(prefix)), settings_(s), beat_(std::make_shared<beat>(strand)) {
  asio::co_spawn(strand, [b = beat_, redis = redis_, lock = prefix_ + "lock", s]() -> asio::awaitable<void> {
    while (!b->stopped) {
      b->timer.expires_after(s.heartbeat);
      co_await b->timer.async_wait(tuple_awaitable);
      if (b->stopped) break;
      redis->send({"PEXPIRE", lock, std::to_string(s.lock_ttl.count())});
    }
  }, asio::detached);
}

flight_publisher::~flight_publisher() {
  if (!finished_) fail({error::upstream_closed, {}, "the request answering this question ended"});
  beat_->stopped = true;
  beat_->timer.cancel();
}

void flight_publisher::head() { head_pending_ = true; }

// The head travels with the first piece (or the end): one XADD fewer per question.
std::vector<std::string> flight_publisher::xadd(std::vector<std::string> fields) {
  std::vector<std::string> command{"XADD", prefix_ + "s", "MAXLEN", "~", std::to_string(settings_.stream_maxlen), "*"};
  if (head_pending_) command.insert(command.end(), {"h", "1"});
  command.insert(command.end(), std::make_move_iterator(fields.begin()), std::make_move_iterator(fields.end()));
  return command;
}

// Every entry goes in one chain: once one is lost, `if_broken` (if any) is sent in its place.
void flight_publisher::add(std::vector<std::string> fields, std::vector<std::string> if_broken) {
  auto command = xadd(std::move(fields));
  if (!if_broken.empty()) if_broken = xadd(std::move(if_broken));
  head_pending_ = false;
  redis_->send(std::move(command), chain_, std::move(if_broken));
  // The stream expires even if this instance dies before its end.
  if (!expiring_) {
    redis_->send({"PEXPIRE", prefix_ + "s", std::to_string(settings_.stream_ttl.count())});
    expiring_ = true;
  }
}

void flight_publisher::piece(std::string_view bytes) {
  if (finished_ || bytes.empty()) return;
  add({"n", std::to_string(pieces_++), "d", std::string(bytes)});
}

void flight_publisher::whole(std::string_view body) {
  if (finished_) return;
  add({"n", "0", "d", std::string(body), "e", "1"});
  finish();
}

// The end claims the count of pieces; if one of them was lost, it says so instead, and the
// followers fail at once rather than wait for their own check.
void flight_publisher::end() {
  if (finished_) return;
  const remote_failure lost{error::upstream_closed, {}, "pieces of the shared answer were lost"};
  add({"e", std::to_string(pieces_)}, {"f", encode_failure(lost)});
  finish();
}

void flight_publisher::fail(const remote_failure& f) {
  if (finished_) return;
  // Nothing of the body was published: followers take it as the call's failure, before any head,
  // and answer with its status themselves.
  head_pending_ = false;
  add({"f", encode_failure(f)});
  finish();
}

void flight_publisher::finish() {
  finished_ = true;
  // The lock is left to expire: until then a request for the question reads the finished stream
  // (the whole answer at once) instead of asking the upstream again before the answer is stored.
  beat_->stopped = true;
  beat_->timer.cancel();
}

// The upstream's body, published piece by piece as the relay reads it.
class teeing_source final : public reply_source {
 public:
  teeing_source(std::unique_ptr<reply_source> inner, flight_publisher& pub) : inner_(std::move(inner)), pub_(pub) {}
  bool done() const override {
    const bool d = inner_->done();
    if (d) pub_.end();
    return d;
  }
  std::optional<std::string_view> try_read(std::error_code& ec) override {
    const auto piece = inner_->try_read(ec);
    if (!piece) return std::nullopt;
    return publish(*piece, ec);
  }
  asio::awaitable<void> wait_readable(std::error_code& ec) override {
    co_await inner_->wait_readable(ec);
    if (ec) pub_.fail({as_gateway_error(ec, error::upstream_closed), {}, {}});
  }
  void interrupt() override { inner_->interrupt(); }
  asio::awaitable<std::string> read_all(std::size_t limit, std::error_code& ec) override {
    auto body = co_await inner_->read_all(limit, ec);
    if (ec) {
      pub_.fail({as_gateway_error(ec, error::upstream_closed), {}, {}});
    } else {
      pub_.whole(body);
    }
    co_return body;
  }

 private:
  // Every piece read goes to Redis too, as it is read.
  std::string_view publish(std::string_view piece, const std::error_code& ec) {
    if (ec) pub_.fail({as_gateway_error(ec, error::upstream_closed), {}, {}});
    else if (piece.empty()) pub_.end();
    else pub_.piece(piece);
    return piece;
  }

  std::unique_ptr<reply_source> inner_;
  flight_publisher& pub_;
};

std::unique_ptr<reply_source> flight_publisher::tee(std::unique_ptr<reply_source> body) {
  return std::make_unique<teeing_source>(std::move(body), *this);
}

// ---- a follower ------------------------------------------------------------------------------

// Another instance's copy of the upstream's reply, read from its stream as entries arrive.
class remote_source final : public reply_source {
 public:
  remote_source(shared_flights& owner, std::string prefix, asio::any_io_executor strand, watchdog& wd,
                request_deadlines d)
      : owner_(owner), prefix_(std::move(prefix)), wd_(wd), deadlines_(d),
        inbox_(std::make_shared<inbox>(strand)) {
    subscription_ = owner_.reader_->subscribe(prefix_ + "s", [in = inbox_](std::vector<stream_entry> entries) {
      {
        std::lock_guard lock(in->mutex);
        for (auto& e : entries) in->entries.push_back(std::move(e));
      }
      asio::post(in->timer.get_executor(), [in] { in->timer.cancel(); });
    });
  }

  /// Waits for the leader's head (nullopt) or its failure.
  asio::awaitable<std::optional<remote_failure>> wait_head() {
    for (;;) {
      std::error_code ec;
      auto e = co_await next(ec);
      if (ec) co_return remote_failure{as_gateway_error(ec, error::upstream_closed), {}, {}};
      if (e.name == "h") co_return std::nullopt;
      if (e.name == "f") co_return decode_failure(e.value);
      // d or e before h: not a stream this code wrote; treat as lost.
      co_return remote_failure{error::upstream_protocol_error, {}, "unreadable shared stream"};
    }
  }

  bool done() const override { return ended_; }

  std::optional<std::string_view> try_read(std::error_code& ec) override {
    if (ended_) return std::string_view{};
    for (;;) {
      auto e = take_field(ec);
      if (ec) return std::string_view{};
      if (!e) return std::nullopt;
      if (e->name == "n" && sequence_.number(e->value)) continue;
      if (e->name == "d" && sequence_.piece()) {
        piece_ = std::move(e->value);
        return std::string_view(piece_);
      }
      if (e->name == "e" && sequence_.end(e->value)) {
        ended_ = true;
        return std::string_view{};
      }
      // A body field out of sequence: a piece was lost on its way through Redis, and what is left
      // is not the answer - the relay ends the stream as for an upstream that dropped.
      const bool lost = e->name == "n" || e->name == "d" || e->name == "e";
      if (lost) owner_.stream_gaps_.fetch_add(1, std::memory_order_relaxed);
      ec = make_error_code(e->name == "f" ? decode_failure(e->value).code
                           : lost         ? error::upstream_closed
                                          : error::upstream_protocol_error);
      return std::string_view{};
    }
  }

  // Woken by a delivery, the watchdog (client gone), interrupt() or, at the latest, for the next
  // check that the leader lives: a leader silent for leader_timeout whose lock is gone has died.
  asio::awaitable<void> wait_readable(std::error_code& ec) override {
    ec = {};
    const auto now = clock_type::now();
    if (now - last_sign_ >= owner_.settings_.leader_timeout) {
      std::vector<std::string> exists{"EXISTS", prefix_ + "lock"};  // not a braced list inside co_await
      const auto reply = co_await owner_.redis_->command(std::move(exists));
      if (!reply.ok() || reply.value.integer == 0) {
        owner_.leaders_lost_.fetch_add(1, std::memory_order_relaxed);
        ec = make_error_code(error::upstream_closed);
        co_return;
      }
      last_sign_ = clock_type::now();  // the leader is alive; its upstream is slow
    }
    const auto wake = std::min(deadlines_.request, now + std::chrono::milliseconds(250));
    if (!wd_.arm(deadlines_.request, error::request_timeout, [in = inbox_] { in->timer.cancel(); })) co_return;
    inbox_->timer.expires_at(wake);
    co_await inbox_->timer.async_wait(tuple_awaitable);
    wd_.disarm();
  }

  void interrupt() override { inbox_->timer.cancel(); }

 private:
  struct field {
    std::string name, value;
  };
  struct inbox {
    explicit inbox(asio::any_io_executor strand) : timer(strand) {}
    std::mutex mutex;
    std::deque<stream_entry> entries;  // guarded
    asio::steady_timer timer;           // strand-only: a delivery cancels it
  };

  // The next field of the stream when one is there; `ec` once the watchdog fired (client gone) or
  // the request's deadline passed.
  std::optional<field> take_field(std::error_code& ec) {
    {
      std::lock_guard lock(inbox_->mutex);
      while (!inbox_->entries.empty()) {
        auto& front = inbox_->entries.front();
        if (field_ < front.fields.size()) {
          auto f = std::move(front.fields[field_++]);
          last_sign_ = clock_type::now();
          return field{std::move(f.first), std::move(f.second)};
        }
        inbox_->entries.pop_front();
        field_ = 0;
      }
    }
    if (const auto why = wd_.fired()) ec = make_error_code(*why);
    else if (clock_type::now() >= deadlines_.request) ec = make_error_code(error::request_timeout);
    return std::nullopt;
  }

  // The next field, waiting for it as long as the deadlines allow.
  asio::awaitable<field> next(std::error_code& ec) {
    for (;;) {
      if (auto f = take_field(ec)) co_return std::move(*f);
      if (ec) co_return field{};
      co_await wait_readable(ec);
      if (ec) co_return field{};
    }
  }

  shared_flights& owner_;
  std::string prefix_;
  watchdog& wd_;
  request_deadlines deadlines_;
  std::shared_ptr<inbox> inbox_;
  std::unique_ptr<stream_reader::subscription> subscription_;
  std::size_t field_ = 0;  // the next field of the front entry
  std::string piece_;      // what read_some returned last
  piece_sequence sequence_;
  bool ended_ = false;
  clock_type::time_point last_sign_ = clock_type::now();
};

// ---- the registry ----------------------------------------------------------------------------

shared_flights::shared_flights(std::shared_ptr<redis::redis_client> redis, std::shared_ptr<redis::redis_client> blocking,
                               asio::any_io_executor ex, std::string instance, shared_flight_settings settings)
    : redis_(std::move(redis)), blocking_(std::move(blocking)),
      reader_(stream_reader::create(std::move(ex), blocking_, stream_reader_block)),
      instance_(std::move(instance)), settings_(settings) {}

void shared_flights::start() {
  blocking_->start();
  reader_->start();
}

void shared_flights::stop() {
  reader_->stop();
  blocking_->stop();
}

namespace {
// A stored entry read for a claim (null when unreadable). Out of claim()'s coroutine frame: the
// entry is over 250 bytes, and a frame over 1,020 bytes is not recycled by Asio's per-thread cache.
std::shared_ptr<const cached_answer> shared_hit(std::string_view text) {
  auto entry = read_shared_entry(text);
  return entry ? std::make_shared<const cached_answer>(std::move(*entry)) : nullptr;
}

// The lock's value (see the header).
std::string lock_value(std::string_view instance, const request_spans* spans, std::string_view mode) {
  std::string v(instance);
  if (spans) {
    v += '|';
    v += spans->context(request_spans::server);
  }
  v += '|';
  v += mode;
  return v;
}

// The leader's context in a lock's value ("" when none). Read from Redis: request_spans::link
// takes it only when it is a valid traceparent.
std::string_view origin_of(std::string_view value, std::string_view mode) {
  value.remove_suffix(std::min(value.size(), mode.size() + 1));  // "|MODE"
  const auto bar = value.rfind('|');
  return bar == std::string_view::npos ? std::string_view() : value.substr(bar + 1);
}

}  // namespace

asio::awaitable<flight_claim> shared_flights::claim(const cache_key& key, bool stream, asio::any_io_executor strand,
                                                    watchdog& wd, request_deadlines deadlines, request_spans* spans,
                                                    request_spans::ref span) {
  flight_claim claim;
  if (!redis_->up() || !blocking_->up()) co_return claim;
  const auto prefix = key_prefix(key);
  // The mode names the stream's format too ("2": numbered pieces): an instance of another version
  // holding the lock is not followed, nor does it follow this one - each asks alone.
  const std::string mode = stream ? "s2" : "j2";
  static const redis::redis_script claimer(claim_script);
  // Local vectors, not braced lists in the co_await expression (GCC 12, docs/architecture.md).
  std::vector<std::string> keys{prefix + "a", prefix + "lock", prefix + "s"};
  std::vector<std::string> args{lock_value(instance_, spans, mode), std::to_string(settings_.lock_ttl.count())};
  const auto reply = co_await redis::run(*redis_, claimer, std::move(keys), std::move(args));
  const auto& items = reply.value.items;
  if (!reply.ok() || items.empty() || items[0].type != redis::resp_value::kind::integer) co_return claim;  // alone
  if (items[0].integer == 1 && items.size() == 2) {
    claim.hit = shared_hit(items[1].text);
    co_return claim;  // unreadable: alone, and no lock was taken
  }
  if (items[0].integer == 2) {
    led_.fetch_add(1, std::memory_order_relaxed);
    claim.lead = std::make_unique<flight_publisher>(redis_, prefix, strand, settings_);
    co_return claim;
  }
  if (items.size() != 2 || !items[1].text.ends_with("|" + mode)) co_return claim;  // the other mode: alone
  if (spans) spans->link(span, origin_of(items[1].text, mode));
  auto source = std::make_unique<remote_source>(*this, prefix, strand, wd, deadlines);
  auto failure = co_await source->wait_head();
  followed_.fetch_add(1, std::memory_order_relaxed);
  claim.failure = std::move(failure);
  claim.follow = std::move(source);
  co_return claim;
}

shared_flight_stats shared_flights::stats() const {
  return {led_.load(std::memory_order_relaxed), followed_.load(std::memory_order_relaxed),
          leaders_lost_.load(std::memory_order_relaxed), stream_gaps_.load(std::memory_order_relaxed)};
}

}  // namespace gateway::cluster
