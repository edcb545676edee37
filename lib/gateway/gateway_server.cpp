#include "gateway/gateway_server.hpp"

#include "auth/api_keys.hpp"
#include "chat/chat_handler.hpp"
#include "http/access_log.hpp"
#include "metrics/metrics.hpp"
#include "openai/openai_handler.hpp"
#include "openai/openai_protocol.hpp"
#include "http/listener.hpp"
#include "http/serve.hpp"
#include "tls/tls_context.hpp"
#include "upstream/upstream_client.hpp"
#include "upstream/upstream_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <openssl/rand.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

// GCC 12 false positive on Asio's coroutine frame allocator (aligned_alloc/free do match); see
// the same note in chat_handler.cpp.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace gateway {
namespace beast = boost::beast;
namespace {

// A request id is the client's X-Request-Id when it is short and plain, else a new one.
std::string request_id_for(const request_t& req, const std::string& prefix, std::uint64_t n) {
  const auto given = req["x-request-id"];
  const bool usable = !given.empty() && given.size() <= 64 &&
                      std::all_of(given.begin(), given.end(), [](char ch) {
                        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
                      });
  return usable ? std::string(given) : fmt::format("{}-{:x}", prefix, n);
}

std::string random_prefix() {
  unsigned char bytes[4];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "req";
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", bytes[0], bytes[1], bytes[2], bytes[3]);
}

std::string openai_body(unsigned status, std::string_view type, std::string_view code, std::string_view message) {
  return openai_error_body({status, std::string(type), std::string(code), std::string(message), {}});
}

std::unique_ptr<response_cache> make_cache(const gateway_config& cfg) {
  if (!cfg.cache_enabled) return nullptr;
  return std::make_unique<response_cache>(cache_limits{cfg.cache_ttl, cfg.cache_max_entries, cfg.cache_max_bytes,
                                                      cfg.cache_shards ? cfg.cache_shards : 4 * io_threads(cfg)});
}

std::optional<net::ssl::context> client_tls(const gateway_config& cfg) {
  if (!cfg.upstream.tls) return std::nullopt;
  return make_client_tls_context(cfg.groq_ca_file);
}

}  // namespace

// Connection coroutines hold a shared_ptr to impl: when the io_context is destroyed with frames
// still pending (after stop), those frames may still reach the pool and the handler while unwinding.
struct gateway_server::impl : std::enable_shared_from_this<impl> {
  impl(net::io_context& ioc, gateway_config c, logger l, logger a)
      : cfg(std::move(c)),
        log(std::move(l)),
        access(std::move(a)),
        tls(client_tls(cfg)),
        pool(cfg.upstream_pool_size),
        upstream(ioc.get_executor(),
                 upstream_settings{cfg.upstream, cfg.groq_api_key, cfg.upstream_connect_timeout,
                                   cfg.upstream_timeout, cfg.stream_idle_timeout},
                 tls ? &*tls : nullptr, pool, log),
        caller(upstream, retry_settings{cfg.upstream_max_retries},
               breaker_settings{cfg.breaker_failures, cfg.breaker_cooldown}, log, &metrics),
        cache(make_cache(cfg)),
        chat(cfg, caller, cache.get(), flights, active, log, &metrics),
        openai(cfg, caller, cache.get(), flights, active, log, &metrics),
        keys(cfg.gateway_api_keys),
        limits{cfg.keepalive_timeout, cfg.client_header_timeout, cfg.client_header_timeout,
               cfg.client_write_timeout, 16 * 1024, cfg.max_body_bytes},
        id_prefix(random_prefix()),
        acceptor(ioc, {net::ip::make_address(cfg.host), cfg.port}, log,
                 [this](net::ip::tcp::socket s) { on_accept(std::move(s)); }) {}

  // One client connection. Registered so that a shutdown can end it while it idles.
  struct connection {
    explicit connection(net::ip::tcp::socket s) : stream(std::move(s)) {}
    beast::tcp_stream stream;
    bool idle = false;  // strand-only
  };

  void on_accept(net::ip::tcp::socket socket) {
    auto conn = std::make_shared<connection>(std::move(socket));
    const auto id = ++connection_ids;
    {
      std::lock_guard lock(connections_mutex);
      connections.emplace(id, conn);
    }
    auto ex = conn->stream.get_executor();
    auto self = shared_from_this();
    net::co_spawn(ex, session(self, conn), [self, id](std::exception_ptr e) {
      {
        std::lock_guard lock(self->connections_mutex);
        self->connections.erase(id);
      }
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& what) {
        self->log.error("session ended by an unexpected exception: {}", what.what());
      }
    });
  }

  net::awaitable<void> session(std::shared_ptr<impl> /*keep-alive*/, std::shared_ptr<connection> conn) {
    co_await serve_http(
        conn->stream, limits, log,
        [this](beast::tcp_stream& s, request_t& req) { return route(s, req); },
        [this] { return stopping.load(std::memory_order_relaxed); }, conn->idle);
    boost::system::error_code ec;
    conn->stream.socket().shutdown(net::ip::tcp::socket::shutdown_send, ec);
  }

  // Ends every connection that waits for a next request; busy ones end after their response.
  void close_idle_connections() {
    std::lock_guard lock(connections_mutex);
    for (auto& [id, weak] : connections) {
      auto conn = weak.lock();
      if (!conn) continue;
      net::post(conn->stream.get_executor(), [conn] {
        if (conn->idle) conn->stream.socket().cancel();
      });
    }
  }

  std::size_t open_connections() {
    std::lock_guard lock(connections_mutex);
    return connections.size();
  }

  // What the router learns about one request for /metrics.
  struct request_info {
    route_id route = route_id::other;
    std::string id;
    request_report report;
  };

  net::awaitable<bool> route(beast::tcp_stream& stream, request_t& req) {
    const auto started = clock_type::now();
    metrics.request_started();
    request_info info;
    info.id = request_id_for(req, id_prefix, ++requests);
    const bool keep = co_await dispatch(stream, req, info);
    const auto duration = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
    metrics.request_finished(info.route, info.report.status, duration);
    if (info.report.added.count() >= 0) metrics.added_latency(info.report.added);
    if (access.enabled(log_level::info)) {
      boost::system::error_code ec;
      const auto peer = stream.socket().remote_endpoint(ec);
      const auto client = ec ? std::string() : peer.address().to_string();
      std::string_view path = req.target();
      path = path.substr(0, path.find('?'));  // query strings may carry secrets: not logged
      access_entry entry{info.id, req.method_string(), path, client, duration, &info.report};
      access.info("{}", access_log_line(entry, std::chrono::system_clock::now()));
    }
    co_return keep;
  }

  net::awaitable<bool> dispatch(beast::tcp_stream& stream, request_t& req, request_info& info) {
    const auto& id = info.id;
    std::string_view path = req.target();
    path = path.substr(0, path.find('?'));
    const auto method = req.method();

    // Bodies are built in statements of their own: GCC 12 destroys temporaries of a full-expression
    // that contains co_await twice (docs/architecture.md, "Known compiler constraint").
    const bool openai_path = path.starts_with("/v1/") || path.starts_with("/openai/v1/");
    // The route is known before the key check, so a 401 is counted under its route.
    if (path == "/chat") info.route = route_id::chat;
    if (path == "/v1/chat/completions" || path == "/openai/v1/chat/completions") info.route = route_id::chat_completions;
    if (path == "/v1/models" || path == "/openai/v1/models") info.route = route_id::models;
    if ((path == "/chat" || openai_path) && !keys.accepts(req[http::field::authorization])) {
      log.info("{} {} {} 401 no valid API key", id, req.method_string(), path);
      const auto message = default_error_message(error::unauthorized, cfg);
      auto body = openai_path ? openai_body(401, "authentication_error", "invalid_api_key", message)
                              : json_error("invalid_api_key", message);
      co_return co_await simple(info, stream, req, id, 401, std::move(body), {});
    }
    if (info.route == route_id::chat_completions) {
      if (method == http::verb::post) co_return co_await openai.completions(stream, req, id, info.report);
      auto body = openai_body(405, "invalid_request_error", "method_not_allowed", "use POST");
      co_return co_await simple(info, stream, req, id, 405, std::move(body), "POST");
    }
    if (info.route == route_id::models) {
      if (method == http::verb::get || method == http::verb::head) co_return co_await openai.models(stream, req, id, info.report);
      auto body = openai_body(405, "invalid_request_error", "method_not_allowed", "use GET");
      co_return co_await simple(info, stream, req, id, 405, std::move(body), "GET, HEAD");
    }
    if (openai_path) {
      auto body = openai_body(404, "not_found_error", "not_found", fmt::format("no route for {}", path));
      co_return co_await simple(info, stream, req, id, 404, std::move(body), {});
    }
    if (path == "/chat") {
      info.route = route_id::chat;
      if (method == http::verb::post) co_return co_await chat.handle(stream, req, id, info.report);
      co_return co_await simple(info, stream, req, id, 405, json_error("method_not_allowed", "use POST /chat"), "POST");
    }
    if (path == "/metrics") {
      info.route = route_id::metrics;
      if (method == http::verb::get || method == http::verb::head) {
        auto body = metrics.render(metric_sources());
        co_return co_await simple(info, stream, req, id, 200, std::move(body), {}, "text/plain; version=0.0.4; charset=utf-8");
      }
      auto body = json_error("method_not_allowed", "use GET /metrics");
      co_return co_await simple(info, stream, req, id, 405, std::move(body), "GET, HEAD");
    }
    if (path == "/readyz") {
      info.route = route_id::readyz;
      // Ready: accepting, and the breaker closed (an open or probing breaker means the upstream is
      // failing - a load balancer should prefer other instances, not restart this one).
      if (method == http::verb::get || method == http::verb::head) {
        const bool accepting = !stopping.load(std::memory_order_relaxed);
        const bool upstream_ok = caller.breaker().current() == circuit_breaker::state::closed;
        std::string body = accepting && upstream_ok ? R"({"status":"ready"})"
                           : accepting              ? R"json({"status":"not ready","reason":"upstream failing (circuit breaker open)"})json"
                                                    : R"({"status":"not ready","reason":"shutting down"})";
        co_return co_await simple(info, stream, req, id, accepting && upstream_ok ? 200 : 503, std::move(body), {});
      }
      auto body = json_error("method_not_allowed", "use GET /readyz");
      co_return co_await simple(info, stream, req, id, 405, std::move(body), "GET, HEAD");
    }
    if (path == "/healthz") {
      info.route = route_id::healthz;
      if (method == http::verb::get || method == http::verb::head)
        co_return co_await simple(info, stream, req, id, 200, R"({"status":"ok"})", {});
      co_return co_await simple(info, stream, req, id, 405, json_error("method_not_allowed", "use GET /healthz"), "GET, HEAD");
    }
    co_return co_await simple(info, stream, req, id, 404,
                              json_error("not_found", fmt::format("no route for {}", path)), {});
  }

  net::awaitable<bool> simple(request_info& info, beast::tcp_stream& stream, const request_t& req,
                              const std::string& id, unsigned status, std::string body, std::string_view allow,
                              std::string_view content_type = {}) {
    info.report.status = status;
    auto res = make_json_response(status, std::move(body), req.keep_alive(), req.version());
    if (!content_type.empty()) res.set(http::field::content_type, content_type);
    res.set("x-request-id", id);
    if (!allow.empty()) res.set(http::field::allow, allow);
    if (req.method() == http::verb::head) res.body().clear();  // content-length stays that of GET
    log.debug("{} {} {} {}", id, req.method_string(), req.target(), status);
    const auto ec = co_await write_with_deadline(stream, res, cfg.client_write_timeout);
    info.report.bytes += res.body().size();
    co_return !ec && req.keep_alive();
  }

  gateway_metrics::sources metric_sources() const {
    gateway_metrics::sources s;
    if (cache) s.cache = cache->stats();
    s.flights = flights.stats();
    s.pool = pool.stats();
    s.breaker = caller.breaker().current();
    s.rate_limits = caller.rate_limits();
    return s;
  }

  gateway_config cfg;
  logger log;
  logger access;  // one JSON line per request (lines come complete with '\n')
  gateway_metrics metrics;  // before everything that records into it
  std::optional<net::ssl::context> tls;
  upstream_pool pool;
  upstream_client upstream;
  upstream_caller caller;  // retries and the breaker around `upstream`
  std::unique_ptr<response_cache> cache;  // null when CACHE_ENABLED=false
  flight_registry flights;                // coalescing, for every endpoint (keys never collide)
  active_requests active;                 // requests a shutdown ends after the grace
  chat_handler chat;
  openai_handler openai;
  api_keys keys;  // GATEWAY_API_KEYS; open when empty
  serve_limits limits;
  std::string id_prefix;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> connection_ids{0};
  std::mutex connections_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections;  // guarded by the mutex
  listener acceptor;  // last: it may call on_accept as soon as it starts
};

gateway_server::gateway_server(net::io_context& ioc, gateway_config cfg, logger log, logger access)
    : impl_(std::make_shared<impl>(ioc, std::move(cfg), std::move(log), std::move(access))) {}

gateway_server::~gateway_server() = default;

void gateway_server::start() {
  impl_->acceptor.start();
  const auto& c = impl_->cfg;
  impl_->log.info("chat-gateway listening on {}:{}; upstream {}://{}:{}{} model {}", c.host, port(),
                  c.upstream.tls ? "https" : "http", c.upstream.host, c.upstream.port, c.upstream.path_prefix,
                  c.model);
}

void gateway_server::stop() {
  impl_->stopping = true;
  impl_->acceptor.stop();
  impl_->close_idle_connections();
}

void gateway_server::abort_requests() { impl_->active.abort_all(error::shutting_down); }

std::size_t gateway_server::open_connections() const { return impl_->open_connections(); }

flight_stats gateway_server::coalescing() const { return impl_->flights.stats(); }

unsigned short gateway_server::port() const { return impl_->acceptor.port(); }
const gateway_config& gateway_server::config() const { return impl_->cfg; }

}  // namespace gateway
