#include "gateway/gateway_server.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "auth/api_keys.hpp"
#include "chat/chat_handler.hpp"
#include "cluster/rate_limiter.hpp"
#include "cluster/shared_answer_store.hpp"
#include "cluster/shared_flights.hpp"
#include "core/log_budget.hpp"
#include "core/text.hpp"
#include "gateway/cache_explain.hpp"
#include "gateway/rate_limit_reply.hpp"
#include "gateway/request_tracing.hpp"
#include "gateway/routes.hpp"
#include "http/access_log.hpp"
#include "http/connection_budget.hpp"
#include "http/header_lookup.hpp"
#include "http/listener.hpp"
#include "http/serve.hpp"
#include "http/trace_headers.hpp"
#include "metrics/metrics.hpp"
#include "net/client_address.hpp"
#include "net/descriptor_limit.hpp"
#include "openai/openai_handler.hpp"
#include "openai/openai_protocol.hpp"
#include "redis/redis_client.hpp"
#include "relay/error_text.hpp"
#include "relay/pipeline.hpp"
#include "tls/tls_context.hpp"
#include "transport/upstream_client.hpp"
#include "transport/upstream_pool.hpp"
#include "web/web_handler.hpp"

#include <openssl/rand.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace gateway {
namespace beast = boost::beast;
namespace {

// A request id is the client's X-Request-Id when it is short and plain, else a new one.
std::string request_id_for(const inbound_request& req, const std::string& prefix, std::uint64_t n) {
  const auto given = header_value(req, "x-request-id");
  const bool usable =
      !given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char ch) {
        return std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.';
      });
  if (usable) return std::string(given);
  // PREFIX-N, N in hex; built by hand: fmt parsed its format string again for every cache hit
  // (benchmark 9). Short enough to stay in the string's own buffer for the first 16^6 requests.
  char digits[16];
  char* const end = digits + sizeof digits;
  char* const start = write_hex_backwards(end, n);
  std::string id;
  id.reserve(prefix.size() + 1 + static_cast<std::size_t>(end - start));
  id.append(prefix).push_back('-');
  id.append(start, end);
  return id;
}

std::string random_prefix() {
  unsigned char bytes[4];
  if (RAND_bytes(bytes, sizeof bytes) != 1) return "req";
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", bytes[0], bytes[1], bytes[2], bytes[3]);
}

std::unique_ptr<answer_store> make_store(const gateway_config& cfg,
                                         std::shared_ptr<redis::redis_client> redis) {
  if (!cfg.cache_enabled) return nullptr;
  const cache_limits limits{cfg.cache_ttl, cfg.cache_max_entries, cfg.cache_max_bytes,
                            cfg.cache_shards ? cfg.cache_shards : 4 * io_threads(cfg)};
  if (redis) return std::make_unique<cluster::shared_answer_store>(limits, std::move(redis));
  return std::make_unique<local_answer_store>(limits);
}

// `extra_wait`: a connection for blocking reads (XREAD BLOCK) waits that much longer per command.
std::shared_ptr<redis::redis_client> make_redis(asio::io_context& ioc, const gateway_config& cfg,
                                                const logger& log, redis::redis_observer* observer,
                                                std::chrono::milliseconds extra_wait = {}) {
  if (!cfg.redis) return nullptr;
  redis::redis_settings s;
  s.address = *cfg.redis;
  s.timeout = cfg.redis_timeout + extra_wait;
  return redis::redis_client::create(ioc.get_executor(), std::move(s), log, observer);
}

std::unique_ptr<cluster::shared_flights> make_shared_flights(
    asio::io_context& ioc, const gateway_config& cfg, std::shared_ptr<redis::redis_client> redis,
    const logger& log, const std::string& instance) {
  if (!redis || !cfg.cache_enabled) return nullptr;
  auto blocking = make_redis(ioc, cfg, log, nullptr, cluster::stream_reader_block);
  return std::make_unique<cluster::shared_flights>(std::move(redis), std::move(blocking),
                                                   ioc.get_executor(), instance);
}

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

// Failed key checks, and refused requests (bad framing), logged per second at most; the rest are
// counted into the next line.
constexpr unsigned failed_key_lines_per_second = 10;

connection_limits connection_limits_of(const gateway_config& cfg) {
  // MAX_CONNECTIONS unset: from the descriptor limit now (main has raised it to the hard limit).
  const auto max = cfg.max_connections
                       ? cfg.max_connections
                       : connections_for_descriptors(descriptor_limit(), cfg.upstream_pool_size);
  connection_limits limits{max, cfg.max_connections_per_client, cfg.max_inflight_request_bytes};
  limits.new_per_client_per_second = cfg.connection_rate_per_client;
  return limits;
}

// The whole answer to a connection refused at accept, written once at start-up. In the /chat
// error shape: no request has been read, so there is no route to take a shape from.
std::string busy_reply() {
  const auto body = error_body(error_style::chat, 503, "too_many_connections",
                               "too many connections; retry later");
  return fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nServer: chat-gateway\r\nContent-Type: application/json; "
      "charset=utf-8\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body);
}

std::optional<asio::ssl::context> client_tls(const gateway_config& cfg) {
  if (!cfg.upstream.tls) return std::nullopt;
  return make_client_tls_context(cfg.groq_ca_file);
}

// The Groq keys and FALLBACK_MODELS of `live` on the upstream and breaker settings of `cfg` (those
// need a restart).
std::shared_ptr<route_set> make_routing(const gateway_config& cfg, const gateway_config& live,
                                        const logger& log) {
  return std::make_shared<route_set>(
      provider{"groq", cfg.upstream, groq_keys(live)}, route_models(live),
      breaker_settings{cfg.breaker_failures, cfg.breaker_cooldown}, log);
}

// What a reload may change for the router, as one immutable generation: a request takes the
// current one once, as it is routed (its key check, then its rate limit's check and charge).
struct router_settings {
  router_settings(std::uint64_t g, const gateway_config& c)
      : generation(g), keys(c.gateway_api_keys), limits{c.rate_limit_rpm, c.rate_limit_tpm} {}
  const std::uint64_t generation;
  const api_keys keys;                        // GATEWAY_API_KEYS; open when empty
  const cluster::rate_limit_settings limits;  // RATE_LIMIT_RPM / _TPM
};

}  // namespace

// Connection coroutines hold a shared_ptr to impl: when the io_context is destroyed with frames
// still pending (after stop), those frames may still reach the pool and the handler while
// unwinding.
struct gateway_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& ioc, gateway_config c, logger l, logger a)
      : cfg(std::move(c)),
        log(std::move(l)),
        access(std::move(a)),
        id_prefix(random_prefix()),
        routes(make_routes()),
        metrics(routes.metric_labels()),
        tracing(cfg, log),
        tls(client_tls(cfg)),
        pool(cfg.upstream_pool_size),
        upstream(ioc.get_executor(),
                 upstream_settings{cfg.upstream, cfg.upstream_connect_timeout, cfg.upstream_timeout,
                                   cfg.stream_idle_timeout},
                 tls ? &*tls : nullptr, pool, log),
        caller(upstream, provider{"groq", cfg.upstream, {}}, make_routing(cfg, cfg, log),
               retry_settings{cfg.upstream_max_retries}, cfg.queue_timeout, log, &metrics),
        redis(make_redis(ioc, cfg, log, &metrics)),
        store(make_store(cfg, redis)),
        limiter(cluster::rate_limit_settings{cfg.rate_limit_rpm, cfg.rate_limit_tpm}, redis),
        shared_flights(make_shared_flights(ioc, cfg, redis, log, id_prefix)),
        pipeline(relay_deps{cfg, caller, store.get(), flights, active, log, &metrics,
                            shared_flights.get()}),
        chat(pipeline, cfg),
        openai(pipeline, cfg, log),
        web(cfg.client_write_timeout),
        live(std::make_shared<const router_settings>(1, cfg)),
        budget(connection_budget::create(connection_limits_of(cfg))),
        limits{cfg.keepalive_timeout, cfg.client_header_timeout, cfg.client_header_timeout,
               cfg.client_write_timeout, 16 * 1024, cfg.max_body_bytes, 4 * 1024, budget.get(),
               &refusal_log},
        // THREADS=1 (set, not derived from the machine): main runs the io_context on one thread.
        acceptor(
            ioc, {asio::ip::make_address(cfg.host), cfg.port}, log,
            [this](asio::ip::tcp::socket s) { on_accept(std::move(s)); }, cfg.threads == 1) {}

  // One client connection. Registered so that a shutdown can end it while it idles.
  struct connection {
    connection(asio::ip::tcp::socket s, connection_budget::ticket t)
        : held(std::move(t)), stream(std::move(s)) {}
    connection_budget::ticket held;  // first: given back only after the socket below is closed
    beast::tcp_stream stream;
    beast::flat_buffer buffer;  // what was read and not parsed yet; strand-only
    bool idle = false;          // strand-only
    std::string client;         // the peer's address for the access log, once; strand-only
  };

  void on_accept(asio::ip::tcp::socket socket) {
    // The raw peer, not X-Forwarded-For: this caps sockets, and no header has been read yet.
    std::string group;
    if (budget->needs_group()) {
      boost::system::error_code ec;
      const auto peer = socket.remote_endpoint(ec);
      if (!ec) group = address_group(peer.address(), cfg.rate_limit_ipv6_prefix);
    }
    auto admitted = budget->admit(std::move(group));
    if (admitted.refused != connection_budget::refusal::none) return refuse_connection(socket);
    auto conn = std::make_shared<connection>(std::move(socket), std::move(admitted.held));
    const auto id = ++connection_ids;
    {
      std::lock_guard lock(connections_mutex);
      connections.emplace(id, conn);
    }
    auto ex = conn->stream.get_executor();
    auto self = shared_from_this();
    asio::co_spawn(ex, session(self, conn), [self, id](std::exception_ptr e) {
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

  // Past MAX_CONNECTIONS, MAX_CONNECTIONS_PER_CLIENT or CONNECTION_RATE_PER_CLIENT (counted by
  // the budget): a 503 written
  // straight into the new socket's empty send buffer - it always fits, nothing waits, no coroutine
  // or timer is made - and the socket closed, so its descriptor is free again at once and nothing
  // is left in the kernel's backlog. Why a 503 rather than a bare close: an HTTP client reads it
  // as load and waits Retry-After, where a closed or reset connection looks like a network fault
  // that clients retry at once. The request is never read; when it has arrived already, the close
  // may turn into a reset that the client sees instead of the 503. Not logged: a client decides
  // how often this happens; gateway_connections_refused_total counts it.
  void refuse_connection(asio::ip::tcp::socket& socket) {
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.send(asio::buffer(busy), 0, ec);
    socket.shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    socket.close(ec);
  }

  asio::awaitable<void> session(std::shared_ptr<impl> /*keep-alive*/,
                                std::shared_ptr<connection> conn) {
    co_await serve_http(
        conn->stream, conn->buffer, limits, log,
        [this, c = conn.get()](beast::tcp_stream& s, inbound_request& req) { return route(s, req, *c); },
        [this] { return stopping.load(std::memory_order_relaxed); }, conn->idle, framing_error);
    boost::system::error_code ec;
    conn->stream.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
  }

  // Ends every connection that waits for a next request; busy ones end after their response.
  void close_idle_connections() {
    std::lock_guard lock(connections_mutex);
    for (auto& [id, weak] : connections) {
      auto conn = weak.lock();
      if (!conn) continue;
      asio::post(conn->stream.get_executor(), [conn] {
        if (conn->idle) conn->stream.socket().cancel();
      });
    }
  }

  std::size_t open_connections() {
    std::lock_guard lock(connections_mutex);
    return connections.size();
  }

  // The endpoints. Handlers capture `this`: they run only while the server lives.
  route_table make_routes() {
    using v = beast::http::verb;
    const auto chat_completions = [this](request_context& rc) { return openai.completions(rc); };
    const auto models = [this](request_context& rc) { return openai.models(rc); };
    // A key check (GATEWAY_API_KEYS) and the rate limits apply where a row says so, by name.
    constexpr bool rate_limited = true, unlimited = false;
    const auto api = [](std::string path, beast::http::verb method, std::string metric,
                        route_handler handler, bool limited) {
      return gateway::route{.path = std::move(path),
                            .methods = {method},
                            .metric = std::move(metric),
                            .needs_key = true,
                            .style = error_style::openai,
                            .handler = std::move(handler),
                            .limited = limited};
    };
    const auto open = [](std::string path, std::string metric, route_handler handler) {
      return gateway::route{.path = std::move(path),
                            .methods = {v::get},
                            .metric = std::move(metric),
                            .needs_key = false,
                            .style = error_style::chat,
                            .handler = std::move(handler),
                            .limited = false};
    };
    std::vector<gateway::route> rows{
        gateway::route{.path = "/chat",
                       .methods = {v::post},
                       .metric = "/chat",
                       .needs_key = true,
                       .style = error_style::chat,
                       .handler = [this](request_context& rc) { return chat.handle(rc); },
                       .limited = true},
        api("/v1/chat/completions", v::post, "/v1/chat/completions", chat_completions,
            rate_limited),
        api("/openai/v1/chat/completions", v::post, "/v1/chat/completions", chat_completions,
            rate_limited),
        api("/v1/models", v::get, "/v1/models", models, unlimited),
        api("/openai/v1/models", v::get, "/v1/models", models, unlimited),
        api(
            "/v1/cache/explain", v::post, "/v1/cache/explain",
            [this](request_context& rc) { return explain(rc); }, unlimited),
        open("/healthz", "/healthz", [this](request_context& rc) { return healthz(rc); }),
        open("/readyz", "/readyz", [this](request_context& rc) { return readyz(rc); }),
        open("/metrics", "/metrics", [this](request_context& rc) { return scrape(rc); }),
    };
    // The chat page and its files: a row each, open (the page asks for a key when /chat wants one).
    if (cfg.web_ui)
      for (const auto& asset : web::web_assets())
        rows.push_back(open(std::string(asset.path), asset.immutable ? "/assets" : "/",
                            [this, &asset](request_context& rc) { return web.serve(rc, asset); }));
    return route_table(
        std::move(rows),
        // Unknown paths under the OpenAI prefixes answer in OpenAI's shape - after the key check,
        // so that a caller without a key learns nothing about which paths exist.
        {{.prefix = "/v1/", .style = error_style::openai, .needs_key = true},
         {.prefix = "/openai/v1/", .style = error_style::openai, .needs_key = true}});
  }

  // Framing errors (400, 413, 431, 501) from serve_http, in the error style of the route meant.
  const framing_error_body framing_error = [this](unsigned status, std::string_view code,
                                                  std::string_view message,
                                                  std::string_view target) {
    return error_body(routes.style_for(path_of(target)), status, code, message);
  };

  // The router: every request passes here once - matching, key check, 404/405, the handler, then
  // the metrics and the access log line.
  asio::awaitable<bool> route(beast::tcp_stream& stream, inbound_request& req, connection& conn) {
    auto& read_buffer = conn.buffer;
    const auto started = clock_type::now();
    metrics.request_started();
    const auto id = request_id_for(req, id_prefix, ++requests);
    request_report report;
    request_context rc{stream, req, id, report, read_buffer};
    const auto path = path_of(req.target());
    const auto* row = routes.find(path);
    const auto spans = tracing.start(req, row ? path : std::string_view());  // null: not recorded
    rc.spans = spans.get();
    const bool keep = co_await dispatch(rc, row, path);
    if (spans) {
      // The access log names the recorded trace, whether or not the request went upstream.
      if (!report.traced) {
        report.trace_id = spans->trace_id();
        report.traced = true;
      }
      tracing.finish(*spans, report, id);
    }
    const auto duration =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started);
    metrics.request_finished(routes.metric(row), report.status, duration);
    if (report.added.count() >= 0) metrics.added_latency(report.added);
    if (access.enabled(log_level::info)) {
      // The peer's address is asked for once per connection (a system call and a formatting
      // otherwise paid by every request of a keep-alive connection).
      if (conn.client.empty()) {
        boost::system::error_code ec;
        const auto peer = stream.socket().remote_endpoint(ec);
        if (!ec) conn.client = peer.address().to_string();
      }
      // A request that did not go upstream logs the client's trace id, if it sent one.
      if (!report.traced)
        if (const auto trace = client_trace(req)) {
          report.trace_id = trace->trace_id;
          report.traced = true;
        }
      // The path only: query strings may carry secrets.
      access_entry entry{id, req.method_string(), path, conn.client, duration, &report};
      // Built in a per-thread string that keeps its capacity (no allocation per request) and
      // handed to the writer as it is (no formatting pass over it).
      static thread_local std::string line;
      line.clear();
      append_access_log_line(line, entry, std::chrono::system_clock::now());
      access.write(log_level::info, line);
      // A client's long path (up to the header limit, escaped up to 6 bytes a byte) would leave
      // its line's size held by this thread for good.
      if (line.capacity() > 4096) std::string().swap(line);
    }
    co_return keep;
  }

  // Not a coroutine: it hands back the awaitable of whoever answers, so a request that passes every
  // check costs no coroutine frame here (the cache-hit path is a chain of them). The replies'
  // bodies move into send_reply's frame when it is called.
  asio::awaitable<bool> dispatch(request_context& rc, const gateway::route* row,
                                 std::string_view path) {
    const auto style = routes.style_for(path);
    // This request's client keys and limits, whatever a reload brings while it runs.
    const auto settings = live.load(std::memory_order_acquire);
    std::optional<std::size_t> key;
    if (routes.needs_key(path) && settings->keys.enabled()) {
      key = settings->keys.match(header_value(rc.req, beast::http::field::authorization));
      if (!key) return refuse_key(rc, style, path);
    }
    if (!row) {
      auto body = error_body(style, 404, "not_found", fmt::format("no route for {}", path));
      return send_reply(rc, 404, std::move(body), cfg.client_write_timeout);
    }
    if (!routes.allows(*row, rc.req.method())) return method_not_allowed(rc, *row, style, path);
    if (!row->limited || !settings->limits.enabled()) return row->handler(rc);
    // Counted against the key it matched, not the header's spelling of it.
    const auto key_id = key ? std::string_view(settings->keys.limit_id(*key)) : std::string_view();
    return limited(rc, *row, style, settings->limits, limit_client(cfg, key_id, rc));
  }

  // 401. Logged at most failed_key_lines_per_second times a second, the rest counted into the
  // next line: a client can fail as fast as it can send.
  asio::awaitable<bool> refuse_key(request_context& rc, error_style style, std::string_view path) {
    if (std::uint64_t left_out = 0;
        log.enabled(log_level::info) && failed_key_log.admit(clock_type::now(), left_out)) {
      if (left_out)
        log.info("{} {} {} 401 no valid API key ({} more since the last such line)", rc.id,
                 rc.req.method_string(), path, left_out);
      else
        log.info("{} {} {} 401 no valid API key", rc.id, rc.req.method_string(), path);
    }
    auto body =
        error_body(style, 401, "invalid_api_key", default_error_message(error::unauthorized, cfg));
    return send_reply(rc, 401, std::move(body), cfg.client_write_timeout);
  }

  // 405 with Allow: a coroutine of its own, since the header's text must live until it is written.
  asio::awaitable<bool> method_not_allowed(request_context& rc, const gateway::route& row,
                                           error_style style, std::string_view path) {
    const auto allow = routes.allow(row);
    auto body = error_body(style, 405, "method_not_allowed", fmt::format("use {} {}", allow, path));
    reply_headers headers;
    headers.allow = allow;
    co_return co_await send_reply(rc, 405, std::move(body), cfg.client_write_timeout, headers);
  }

  // A route under RATE_LIMIT_RPM / _TPM (the request's `limits`): checked, answered, then charged.
  asio::awaitable<bool> limited(request_context& rc, const gateway::route& row, error_style style,
                                cluster::rate_limit_settings limits, std::string client) {
    const auto span = rc.spans ? rc.spans->start("gateway.rate_limit") : request_spans::none;
    const auto verdict = co_await limiter.check(client, limits);
    if (rc.spans) {
      rc.spans->set(span, "gateway.rate_limit.allowed", verdict.allowed);
      rc.spans->end(span);
    }
    if (!verdict.allowed)
      co_return co_await refuse_over_limit(rc, cfg, limits, style, verdict, log);
    const bool keep = co_await row.handler(rc);
    limiter.charge(client, rc.report.completion_tokens, limits);
    co_return keep;
  }

  // POST /v1/cache/explain: the question's similar-question form and the rules that made it. Not a
  // coroutine: everything is done before the reply's write.
  asio::awaitable<bool> explain(request_context& rc) {
    if (!has_json_body(rc.req))
      return send_reply(rc, 415,
                        error_body(error_style::openai, 415, "unsupported_media_type",
                                   "Content-Type must be application/json"),
                        cfg.client_write_timeout);
    auto result = explain_question(rc.req.body(), chat.normalizer(), chat.canon(),
                                   request_limits{cfg.max_question_chars}, &cfg.pii);
    if (auto* bad = std::get_if<request_error>(&result)) {
      const auto refusal = openai_error_for(bad->code, std::move(bad->message));
      return send_reply(rc, refusal.status, openai_error_body(refusal), cfg.client_write_timeout);
    }
    return send_reply(rc, 200, std::move(std::get<std::string>(result)), cfg.client_write_timeout);
  }

  asio::awaitable<bool> healthz(request_context& rc) {
    co_return co_await send_reply(rc, 200, R"({"status":"ok"})", cfg.client_write_timeout);
  }

  // Ready: accepting, and the breaker closed (an open or probing breaker means the upstream is
  // failing - a load balancer should prefer other instances, not restart this one).
  asio::awaitable<bool> readyz(request_context& rc) {
    const bool accepting = !stopping.load(std::memory_order_relaxed);
    const bool upstream_ok = caller.breaker_state() == circuit_breaker::state::closed;
    std::string body =
        accepting && upstream_ok ? R"({"status":"ready"})"
        : accepting
            ? R"json({"status":"not ready","reason":"upstream failing (circuit breaker open)"})json"
            : R"({"status":"not ready","reason":"shutting down"})";
    co_return co_await send_reply(rc, accepting && upstream_ok ? 200 : 503, std::move(body),
                                  cfg.client_write_timeout);
  }

  asio::awaitable<bool> scrape(request_context& rc) {
    auto sources = metric_sources();
    sources.in_flight_excluded = 1;  // this request
    auto body = metrics.render(sources);
    reply_headers headers;
    headers.content_type = "text/plain; version=0.0.4; charset=utf-8";
    co_return co_await send_reply(rc, 200, std::move(body), cfg.client_write_timeout, headers);
  }

  gateway_metrics::sources metric_sources() const {
    gateway_metrics::sources s;
    if (store) s.cache = store->stats();
    s.flights = flights.stats();
    s.pool = pool.stats();
    const auto routing = caller.routing();
    s.breaker = routing->routes.breaker_state();
    s.routes = routing->routes.stats();
    s.spent_refusals = caller.spent_refusals();
    s.rate_limits = caller.rate_limits();
    const auto cs = budget->stats();
    s.connections.configured = true;
    s.connections.open = cs.open;
    s.connections.max = budget->limits().max_connections;
    s.connections.refused_max = cs.refused_max;
    s.connections.refused_per_client = cs.refused_per_client;
    s.connections.refused_rate = cs.refused_rate;
    s.connections.bodies_refused = cs.bodies_refused;
    s.connections.inflight_body_bytes = cs.inflight_body_bytes;
    s.connections.inflight_body_budget = budget->limits().max_inflight_body_bytes;
    s.shared.configured = redis != nullptr;
    s.shared.up = redis && redis->up();
    const auto ls = limiter.stats();
    // Once limits were on, their counters stay (a reload may turn them off).
    s.shared.limits = live.load(std::memory_order_acquire)->limits.enabled() ||
                      ls.shared_checks + ls.local_checks > 0;
    s.shared.limited_requests = ls.limited_requests;
    s.shared.limited_tokens = ls.limited_tokens;
    s.shared.limit_checks_shared = ls.shared_checks;
    s.shared.limit_checks_local = ls.local_checks;
    if (shared_flights) {
      const auto fs = shared_flights->stats();
      s.shared.flights_led = fs.led;
      s.shared.flights_followed = fs.followed;
      s.shared.leaders_lost = fs.leaders_lost;
      s.shared.stream_gaps = fs.stream_gaps;
    }
    s.config.generation = live.load(std::memory_order_acquire)->generation;
    s.config.reloads_applied = reloads_applied.load(std::memory_order_relaxed);
    s.config.reloads_unchanged = reloads_unchanged.load(std::memory_order_relaxed);
    s.config.reloads_refused = reloads_refused.load(std::memory_order_relaxed);
    s.traces = tracing.stats();
    return s;
  }

  std::uint64_t reconfigure(const gateway_config& next) {
    std::lock_guard lock(reload_mutex);
    const auto generation = live.load()->generation + 1;
    // New keys or models: new routes (their budgets and breakers start afresh). Otherwise the
    // routes stay, with what they learnt from the upstream.
    if (const auto routing = caller.routing();
        routing->keys.api_keys != groq_keys(next) || routing->routes.models() != route_models(next))
      caller.set_routing(make_routing(cfg, next, log));
    live.store(std::make_shared<const router_settings>(generation, next),
               std::memory_order_release);
    log.set_level(next.log);
    reloads_applied.fetch_add(1, std::memory_order_relaxed);
    return generation;
  }

  gateway_config cfg;
  logger log;
  logger access;          // one JSON line per request (lines come complete with '\n')
  std::string id_prefix;  // of request ids; also names this instance to the others (shared flights)
  route_table routes;     // before the metrics, which label requests by its rows
  gateway_metrics metrics;  // before everything that records into it
  request_tracing tracing;  // OTEL_*: which requests' spans are recorded, and their exporter
  std::optional<asio::ssl::context> tls;
  upstream_pool pool;
  upstream_client upstream;
  upstream_caller caller;  // routes (keys x models, reloadable), retries, breakers: `upstream`
  std::shared_ptr<redis::redis_client> redis;  // null without REDIS_URL
  std::unique_ptr<answer_store> store;  // null when CACHE_ENABLED=false; two tiers with REDIS_URL
  cluster::rate_limiter limiter;        // RATE_LIMIT_RPM / _TPM; shared through `redis` when set
  std::unique_ptr<cluster::shared_flights>
      shared_flights;       // coalescing across instances; null without Redis
  flight_registry flights;  // coalescing, for every endpoint (keys never collide)
  active_requests active;   // requests a shutdown ends after the grace
  relay_pipeline pipeline;  // the one request path of both endpoints
  chat_handler chat;
  openai_handler openai;
  web::web_handler web;  // the chat page (WEB_UI)
  // The router's part of the configuration generation new requests get; swapped by reconfigure().
  std::atomic<std::shared_ptr<const router_settings>> live;
  std::mutex reload_mutex;  // one reconfigure() at a time
  std::atomic<std::uint64_t> reloads_applied{0}, reloads_unchanged{0}, reloads_refused{0};
  log_budget failed_key_log{failed_key_lines_per_second};  // 401 log lines; thread-safe
  log_budget refusal_log{failed_key_lines_per_second};     // serve_http's refusal lines; thread-safe
  // MAX_CONNECTIONS, _PER_CLIENT, MAX_INFLIGHT_REQUEST_BYTES; thread-safe. Shared: a connection's
  // ticket and a body's hold keep it alive past this object when frames unwind after it.
  std::shared_ptr<connection_budget> budget;
  const std::string busy = busy_reply();  // the answer of a refused connection
  serve_limits limits;                    // points at *budget
  std::atomic<std::uint64_t> requests{0};
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> connection_ids{0};
  std::mutex connections_mutex;
  std::unordered_map<std::uint64_t, std::weak_ptr<connection>> connections;  // guarded by the mutex
  listener acceptor;  // last: it may call on_accept as soon as it starts
};

gateway_server::gateway_server(asio::io_context& ioc, gateway_config cfg, logger log, logger access)
    : impl_(std::make_shared<impl>(ioc, std::move(cfg), std::move(log), std::move(access))) {}

gateway_server::~gateway_server() = default;

void gateway_server::start() {
  if (impl_->redis) impl_->redis->start();
  if (impl_->shared_flights) impl_->shared_flights->start();
  impl_->acceptor.start();
  const auto& c = impl_->cfg;
  impl_->log.info("chat-gateway listening on {}:{}; upstream {}://{}:{}{} model {}", c.host, port(),
                  c.upstream.tls ? "https" : "http", c.upstream.host, c.upstream.port,
                  c.upstream.path_prefix, c.model);
}

void gateway_server::stop() {
  impl_->stopping = true;
  if (impl_->redis) impl_->redis->stop();
  if (impl_->shared_flights) impl_->shared_flights->stop();
  impl_->acceptor.stop();
  impl_->close_idle_connections();
}

void gateway_server::abort_requests() {
  impl_->active.abort_all(error::shutting_down);
}

std::size_t gateway_server::open_connections() const {
  return impl_->open_connections();
}

flight_stats gateway_server::coalescing() const {
  return impl_->flights.stats();
}

unsigned short gateway_server::port() const {
  return impl_->acceptor.port();
}
const gateway_config& gateway_server::config() const {
  return impl_->cfg;
}

std::uint64_t gateway_server::reconfigure(const gateway_config& next) {
  return impl_->reconfigure(next);
}

void gateway_server::count_reload(bool refused) {
  auto& counter = refused ? impl_->reloads_refused : impl_->reloads_unchanged;
  counter.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t gateway_server::generation() const {
  return impl_->live.load(std::memory_order_acquire)->generation;
}

}  // namespace gateway
