#include "telemetry/span_exporter.hpp"

#include "tls/tls_context.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/http/string_body.hpp>

#include <openssl/ssl.h>

#include <optional>

#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

namespace gateway {
namespace {
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// A collector's answer is read up to this size: only its status counts.
constexpr std::size_t max_response = 64 << 10;

// One POST on a new connection, every step under `deadline`; the status, 0 on failure (`why`).
template <class Stream>
asio::awaitable<unsigned> exchange(Stream& stream, const http::request<http::string_body>& req, std::string& why) {
  auto [wec, wn] = co_await http::async_write(stream, req, tuple_awaitable);
  if (wec) {
    why = "write: " + wec.message();
    co_return 0;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response);
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, tuple_awaitable);
  if (rec) {
    why = "read: " + rec.message();
    co_return 0;
  }
  co_return parser.get().result_int();
}

asio::awaitable<unsigned> post_once(const span_export_settings& s, asio::ssl::context* tls,
                                    const http::request<http::string_body>& req, std::string& why) {
  auto ex = co_await asio::this_coro::executor;
  const auto deadline = std::chrono::steady_clock::now() + s.timeout;
  // Shared with the deadline's handler, which may run after this frame is gone.
  const auto resolver = std::make_shared<tcp::resolver>(ex);
  beast::tcp_stream tcp_stream(ex);
  tcp_stream.expires_at(deadline);  // every step of the stream below
  // The resolver has no deadline of its own.
  asio::steady_timer resolve_limit(ex, deadline);
  resolve_limit.async_wait([resolver](boost::system::error_code ec) {
    if (!ec) resolver->cancel();
  });
  auto [rec, endpoints] = co_await resolver->async_resolve(s.collector.host, s.collector.port, tuple_awaitable);
  resolve_limit.cancel();
  if (rec) {
    why = "resolve: " + rec.message();
    co_return 0;
  }
  auto [cec, ep] = co_await tcp_stream.async_connect(endpoints, tuple_awaitable);
  if (cec) {
    why = "connect: " + cec.message();
    co_return 0;
  }
  if (!tls) co_return co_await exchange(tcp_stream, req, why);
  asio::ssl::stream<beast::tcp_stream> stream(std::move(tcp_stream), *tls);
  // SNI for names only, and the certificate must match the host.
  if (!s.collector.host_is_ip()) SSL_set_tlsext_host_name(stream.native_handle(), s.collector.host.c_str());
  stream.set_verify_callback(asio::ssl::host_name_verification(s.collector.host));
  auto [hec] = co_await stream.async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
  if (hec) {
    why = "TLS handshake: " + hec.message();
    co_return 0;
  }
  co_return co_await exchange(stream, req, why);
}

}  // namespace

span_exporter::span_exporter(span_export_settings settings, logger log)
    : settings_(std::move(settings)), log_(std::move(log)) {
  // Built once, at start-up: a CA file that cannot be read is a configuration error.
  if (settings_.collector.tls) tls_ = std::make_unique<asio::ssl::context>(make_client_tls_context(settings_.ca_file));
  thread_ = std::thread([this] { run(); });
}

span_exporter::~span_exporter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void span_exporter::submit(std::vector<span> spans) {
  if (spans.empty()) return;
  bool full_batch = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() + spans.size() > settings_.max_queue) {
      dropped_.fetch_add(spans.size(), std::memory_order_relaxed);
      return;
    }
    const auto before = queue_.size();
    for (auto& s : spans) queue_.push_back(std::move(s));
    // Woken once when a batch fills, not for every request: the timer sends the rest.
    full_batch = before < settings_.max_batch && queue_.size() >= settings_.max_batch;
  }
  if (full_batch) wake_.notify_one();
}

span_exporter::counters span_exporter::stats() const {
  return {exported_.load(std::memory_order_relaxed), dropped_.load(std::memory_order_relaxed),
          failed_.load(std::memory_order_relaxed)};
}

void span_exporter::run() {
  bool failing = false;  // the last export failed: wait the whole delay before the next
  std::optional<std::chrono::steady_clock::time_point> stop_by;  // the last round's end, once stopping
  for (;;) {
    std::vector<span> batch;
    bool last = false;
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, settings_.schedule_delay,
                     [&] { return stopping_ || (!failing && queue_.size() >= settings_.max_batch); });
      if (stopping_ && !stop_by) stop_by = std::chrono::steady_clock::now() + settings_.timeout;
      if (stop_by && std::chrono::steady_clock::now() >= *stop_by) {
        // Shutdown waits for one export's timeout at most, whatever the collector does.
        dropped_.fetch_add(queue_.size(), std::memory_order_relaxed);
        queue_.clear();
        return;
      }
      const auto n = std::min(queue_.size(), settings_.max_batch);
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + static_cast<std::ptrdiff_t>(n)));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
      last = stopping_ && queue_.empty();
    }
    if (!batch.empty()) {
      bool ok = false;
      try {  // nothing may leave this thread: it would end the process
        ok = post(otlp_json(batch, settings_.resource));
      } catch (const std::exception& e) {
        log_.warn("traces: export failed: {}", e.what());
      }
      (ok ? exported_ : failed_).fetch_add(batch.size(), std::memory_order_relaxed);
      failing = !ok;
    }
    if (last) return;
  }
}

bool span_exporter::post(const std::string& body) {
  http::request<http::string_body> req{http::verb::post, settings_.target, 11};
  req.set(http::field::host, settings_.collector.host_header());
  req.set(http::field::content_type, "application/json");
  req.set(http::field::user_agent, "chat-gateway");
  for (const auto& [name, value] : settings_.headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();

  asio::io_context ioc;
  unsigned status = 0;
  std::string why;
  asio::co_spawn(ioc, post_once(settings_, tls_.get(), req, why),
                 [&](std::exception_ptr e, unsigned result) {
                   status = e ? 0 : result;
                   if (e) why = "unexpected failure";
                 });
  ioc.run();
  if (status >= 200 && status < 300) return true;
  // At most one line per failed export: every OTEL_BSP_SCHEDULE_DELAY at the most.
  if (status) log_.warn("traces: the collector answered {} to an export", status);
  else log_.warn("traces: export to {} failed: {}", settings_.collector.host_header(), why);
  return false;
}

}  // namespace gateway
