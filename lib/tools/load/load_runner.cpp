#include "tools/load/load_runner.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "tools/load/question_source.hpp"
#include "tools/load/stream_check.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <stdexcept>
#include <thread>


namespace gateway::bench {
namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace json = boost::json;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_json_answer = 4 << 20;

std::uint64_t ns(steady::duration d) {
  return static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()));
}

std::string body_for(const bench_config& c, const std::string& question) {
  json::object o;
  if (c.api == api_kind::chat) {
    o = {{"question", question}, {"stream", c.stream}};
  } else {
    o = {{"model", c.model},
         {"messages", json::array{json::object{{"role", "user"}, {"content", question}}}},
         {"stream", c.stream}};
  }
  return json::serialize(o);
}

// A complete JSON answer of the format, checked by its shape only (the load generator stays cheap).
bool looks_answered(const bench_config& c, std::string_view body) {
  if (c.api == api_kind::chat) return body.starts_with("{\"answer\":");
  return body.find("\"choices\":[") != std::string_view::npos && body.find("\"content\":") != std::string_view::npos;
}

std::string failure(std::string_view stage, const boost::system::error_code& ec) {
  if (ec == beast::error::timeout) return "timeout";
  return fmt::format("{}: {}", stage, ec.message());
}

struct connection {
  std::optional<beast::tcp_stream> plain;
  std::optional<ssl::stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  std::uint64_t requests = 0;  // exchanges started on it
  beast::tcp_stream& tcp() { return plain ? *plain : tls->next_layer(); }
};

// One event loop with its share of the load. Single-threaded: nothing in here is locked.
class worker {
 public:
  worker(const bench_config& cfg, const question_source& questions, asio::ip::tcp::endpoint endpoint,
         ssl::context* tls, unsigned index, unsigned workers, steady::time_point start)
      : cfg_(cfg), questions_(questions), endpoint_(endpoint), tls_(tls), index_(index), workers_(workers),
        start_(start), measure_from_(start + cfg.warmup),
        stop_at_(cfg.requests ? steady::time_point::max() : measure_from_ + cfg.duration),
        quota_(cfg.requests ? cfg.requests / workers + (index < cfg.requests % workers ? 1 : 0) : 0),
        max_connections_(cfg.concurrency / workers + (index < cfg.concurrency % workers ? 1 : 0)),
        host_header_(fmt::format("{}:{}", cfg.target.host, cfg.target.port)) {}

  void run() {
    asio::co_spawn(ioc_, main(), asio::detached);
    ioc_.run();
  }

  run_result result;

 private:
  asio::awaitable<void> main() {
    if (cfg_.rate > 0) {
      co_await open_loop();
    } else {
      for (unsigned i = 0; i < max_connections_; ++i) {
        const auto offset = max_connections_ > 1 ? cfg_.ramp * i / max_connections_ : steady::duration::zero();
        asio::co_spawn(ioc_, closed_loop_client(start_ + offset), asio::detached);
      }
    }
  }

  bool quota_reached() const { return quota_ && measured_issued_ >= quota_; }

  // Requests start on schedule whatever the answers do; a late timer issues every overdue request
  // at once, each still measured from its scheduled time.
  asio::awaitable<void> open_loop() {
    const auto interval = std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(static_cast<double>(workers_) / cfg_.rate));
    auto next = start_ + interval * index_ / workers_;
    asio::steady_timer timer(ioc_);
    while (next < stop_at_ && !quota_reached()) {
      timer.expires_at(next);
      co_await timer.async_wait(tuple_awaitable);
      const auto now = steady::now();
      while (next <= now && next < stop_at_ && !quota_reached()) {
        const bool measured = next >= measure_from_;
        if (measured) ++measured_issued_;
        asio::co_spawn(ioc_, one(next, next_index(), measured), asio::detached);
        next += interval;
      }
    }
  }

  asio::awaitable<void> closed_loop_client(steady::time_point begin) {
    asio::steady_timer timer(ioc_, begin);
    co_await timer.async_wait(tuple_awaitable);
    for (;;) {
      const auto t0 = steady::now();
      if (t0 >= stop_at_) break;
      const bool measured = t0 >= measure_from_;
      if (measured) {
        if (quota_reached()) break;
        ++measured_issued_;
      }
      co_await one(t0, next_index(), measured);
    }
  }

  std::uint64_t next_index() { return index_ + workers_ * sequence_++; }

  asio::awaitable<void> one(steady::time_point t0, std::uint64_t index, bool measured) {
    ++result.sent;
    const auto deadline = t0 + cfg_.timeout;
    const auto body = body_for(cfg_, questions_.at(index));
    std::string error;
    // A kept-alive connection the server closed while it sat idle fails before any response: the
    // request never reached the server, so it is sent once more on a fresh connection (as browsers
    // and HTTP client libraries do). Any other failure counts.
    for (bool retried = false;; retried = true) {
      error.clear();
      // The retry goes on a new connection: the next idle one may have been closed as well (after
      // a burst, the connections under the top of the idle stack sat idle alike).
      auto conn = co_await acquire(deadline, error, retried);
      if (!conn) break;
      const bool reused = conn->requests > 0;
      bool reusable = false, responded = false;
      if (conn->plain)
        error = co_await exchange(*conn->plain, *conn, body, t0, deadline, measured, reusable, responded);
      else
        error = co_await exchange(*conn->tls, *conn, body, t0, deadline, measured, reusable, responded);
      ++conn->requests;
      release(std::move(conn), reusable);
      if (error.empty() || !reused || responded || retried || steady::now() >= deadline) break;
      ++result.retried_stale;
    }
    if (!measured) co_return;
    ++result.measured;
    if (error.empty())
      ++result.ok;
    else
      ++result.errors[error];
    result.window = std::max(result.window, std::chrono::duration_cast<std::chrono::nanoseconds>(steady::now() - measure_from_));
  }

  // An idle connection, a new one (up to the limit), or the next one released; the wait counts.
  // `fresh`: a new connection only; at the limit, the longest idle one is closed to make room.
  asio::awaitable<std::unique_ptr<connection>> acquire(steady::time_point deadline, std::string& error,
                                                       bool fresh = false) {
    for (;;) {
      if (fresh && open_ >= max_connections_ && !idle_.empty()) {
        idle_.erase(idle_.begin());
        --open_;
      }
      if (!fresh && !idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        co_return c;
      }
      if (open_ < max_connections_) {
        ++open_;
        auto c = co_await connect(deadline, error);
        if (!c) --open_;
        co_return c;
      }
      auto wake = std::make_shared<asio::steady_timer>(ioc_, deadline);
      waiters_.push_back(wake);
      co_await wake->async_wait(tuple_awaitable);
      if (steady::now() >= deadline) {
        std::erase(waiters_, wake);
        error = "timeout";
        co_return nullptr;
      }
    }
  }

  void release(std::unique_ptr<connection> c, bool reusable) {
    if (reusable)
      idle_.push_back(std::move(c));
    else
      --open_;
    if (!waiters_.empty()) {
      waiters_.front()->cancel();
      waiters_.pop_front();
    }
  }

  asio::awaitable<std::unique_ptr<connection>> connect(steady::time_point deadline, std::string& error) {
    auto c = std::make_unique<connection>();
    if (tls_) {
      c->tls.emplace(ioc_, *tls_);
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), cfg_.target.host.c_str())) {
        error = "tls: SNI";
        co_return nullptr;
      }
    } else {
      c->plain.emplace(ioc_);
    }
    auto& tcp = c->tcp();
    tcp.expires_at(deadline);
    auto [ec] = co_await tcp.async_connect(endpoint_, tuple_awaitable);
    if (ec) {
      error = failure("connect", ec);
      co_return nullptr;
    }
    tcp.socket().set_option(asio::ip::tcp::no_delay(true));
    if (tls_) {
      auto [hec] = co_await c->tls->async_handshake(ssl::stream_base::client, tuple_awaitable);
      if (hec) {
        error = failure("tls", hec);
        co_return nullptr;
      }
    }
    ++result.connections;
    co_return c;
  }

  template <class Stream>
  asio::awaitable<std::string> exchange(Stream& s, connection& conn, const std::string& body, steady::time_point t0,
                                        steady::time_point deadline, bool measured, bool& reusable,
                                        bool& responded) {
    beast::http::request<beast::http::string_body> req{beast::http::verb::post, cfg_.target.path, 11};
    req.set(beast::http::field::host, host_header_);
    req.set(beast::http::field::content_type, "application/json");
    if (!cfg_.api_key.empty()) req.set(beast::http::field::authorization, "Bearer " + cfg_.api_key);
    if (cfg_.no_cache) req.set(beast::http::field::cache_control, "no-cache");
    for (const auto& [name, value] : cfg_.headers) req.set(name, value);
    req.body() = body;
    req.prepare_payload();
    req.keep_alive(true);
    conn.tcp().expires_at(deadline);
    auto [wec, written] = co_await beast::http::async_write(s, req, tuple_awaitable);
    if (wec) co_return failure("write", wec);

    beast::http::response_parser<beast::http::buffer_body> parser;
    parser.body_limit(boost::none);
    auto [hec, head_bytes] = co_await beast::http::async_read_header(s, conn.buffer, parser, tuple_awaitable);
    if (hec) co_return failure("read", hec);
    responded = true;
    const auto head_at = steady::now();
    const unsigned status = parser.get().result_int();

    stream_check check(cfg_.api == api_kind::chat ? answer_format::chat : answer_format::openai);
    std::string answer;
    std::uint64_t bytes = 0;
    std::optional<steady::time_point> last_delta;
    char chunk[4096];  // on the coroutine frame: small, as 10,000 may be in flight
    while (!parser.is_done()) {
      parser.get().body().data = chunk;
      parser.get().body().size = sizeof chunk;
      auto [ec, n] = co_await beast::http::async_read_some(s, conn.buffer, parser, tuple_awaitable);
      if (ec == beast::http::error::need_buffer) ec = {};
      if (ec) co_return failure("read", ec);
      const std::string_view piece(chunk, sizeof chunk - parser.get().body().size);
      bytes += piece.size();
      if (status != 200) continue;
      if (!cfg_.stream) {
        if (answer.size() + piece.size() > max_json_answer) co_return "answer too large";
        answer.append(piece);
        continue;
      }
      const auto deltas = check.feed(piece);
      if (deltas == 0 || !measured) continue;
      const auto now = steady::now();
      if (!last_delta)
        result.first_delta.record(ns(now - t0));
      else
        result.gap.record(ns(now - *last_delta));
      for (std::size_t i = 1; i < deltas; ++i) result.gap.record(0);  // arrived together
      last_delta = now;
    }
    const auto end = steady::now();
    reusable = parser.get().keep_alive();
    if (status != 200) co_return fmt::format("HTTP {}", status);
    if (cfg_.stream && !check.complete()) co_return "incomplete stream: " + check.problem();
    if (!cfg_.stream && !looks_answered(cfg_, answer)) co_return "not an answer";
    if (measured) {
      result.ttfb.record(ns(head_at - t0));
      result.total.record(ns(end - t0));
      result.bytes += bytes;
      result.deltas += check.deltas();
    }
    co_return std::string{};
  }

  const bench_config& cfg_;
  const question_source& questions_;
  asio::ip::tcp::endpoint endpoint_;
  ssl::context* tls_;
  const unsigned index_, workers_;
  const steady::time_point start_, measure_from_, stop_at_;
  const std::uint64_t quota_;
  const unsigned max_connections_;
  const std::string host_header_;
  asio::io_context ioc_{1};
  std::vector<std::unique_ptr<connection>> idle_;
  unsigned open_ = 0;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters_;
  std::uint64_t sequence_ = 0;
  std::uint64_t measured_issued_ = 0;
};

}  // namespace

double run_result::throughput() const {
  const auto seconds = std::chrono::duration<double>(window).count();
  return seconds > 0 ? static_cast<double>(measured) / seconds : 0.0;
}

void run_result::merge(const run_result& o) {
  ttfb.merge(o.ttfb);
  first_delta.merge(o.first_delta);
  gap.merge(o.gap);
  total.merge(o.total);
  ok += o.ok;
  measured += o.measured;
  sent += o.sent;
  bytes += o.bytes;
  deltas += o.deltas;
  connections += o.connections;
  retried_stale += o.retried_stale;
  for (const auto& [kind, n] : o.errors) errors[kind] += n;
  window = std::max(window, o.window);
}

run_result run_load(const bench_config& cfg) {
  asio::ip::tcp::endpoint endpoint;
  {
    asio::io_context resolver_ioc;
    asio::ip::tcp::resolver resolver(resolver_ioc);
    boost::system::error_code ec;
    const auto found = resolver.resolve(cfg.target.host, std::to_string(cfg.target.port), ec);
    if (ec || found.empty()) throw std::runtime_error("cannot resolve " + cfg.target.host + ": " + ec.message());
    endpoint = found.begin()->endpoint();
  }
  std::optional<ssl::context> tls;
  if (cfg.target.tls) {
    tls.emplace(ssl::context::tls_client);
    if (cfg.insecure) {
      tls->set_verify_mode(ssl::verify_none);
    } else {
      if (cfg.ca_file.empty())
        tls->set_default_verify_paths();
      else
        tls->load_verify_file(cfg.ca_file);
      tls->set_verify_mode(ssl::verify_peer);
    }
  }
  const question_source questions(cfg.questions_file.empty() ? std::vector<std::string>{} : read_questions(cfg.questions_file),
                                  cfg.repeat, cfg.hot, cfg.seed);
  const auto start = steady::now() + std::chrono::milliseconds(20);  // every loop starts on the same schedule
  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < cfg.threads; ++i)
    workers.push_back(std::make_unique<worker>(cfg, questions, endpoint, tls ? &*tls : nullptr, i, cfg.threads, start));
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  for (auto& t : threads) t.join();
  run_result out;
  for (const auto& w : workers) out.merge(w->result);
  return out;
}

}  // namespace gateway::bench
