#include "tools/sim/sim_server.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "http/listener.hpp"
#include "http/serve.hpp"
#include "net/peer_probe.hpp"
#include "tools/sim/sim_answer.hpp"
#include "tools/sim/sim_script.hpp"
#include "tls/tls_context.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/chunk_encode.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/json.hpp>
#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace gateway::sim {
namespace beast = boost::beast;
namespace json = boost::json;
using tcp = asio::ip::tcp;
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// GCC 12 mishandles temporaries that live across a co_await (braced lists fail to compile, lambda
// closures get destroyed twice): inside coroutines, a co_await stands in a statement of its own
// (`auto x = co_await ...;`) and such values are built in separate statements.
constexpr std::array<std::string_view, 2> api_prefixes = {"/openai/v1", "/v1"};
constexpr std::array<std::string_view, 3> sim_models = {"openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3-32b"};

std::string groq_error(std::string_view message, std::string_view type, std::string_view code) {
  return json::serialize(json::object{{"error", json::object{{"message", message}, {"type", type}, {"code", code}}}});
}

std::uint64_t unix_now() {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
}

// A parsed, validated completion request.
struct completion_request {
  std::string model;
  std::string last_user;  // content of the last user message
  unsigned max_tokens = 1024;
  bool stream = false;
  bool include_usage = false;
  std::uint64_t prompt_tokens = 0;
};

std::optional<completion_request> parse_request(std::string_view body, std::string& why) {
  boost::system::error_code ec;
  auto root = json::parse(body, ec);
  if (ec || !root.is_object()) {
    why = "request body must be a JSON object";
    return std::nullopt;
  }
  const auto& o = root.get_object();
  completion_request r;
  const auto* model = o.if_contains("model");
  if (!model || !model->is_string() || model->get_string().empty()) {
    why = "'model' is required";
    return std::nullopt;
  }
  r.model = std::string(model->get_string());
  const auto* messages = o.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty()) {
    why = "'messages' must be a non-empty array";
    return std::nullopt;
  }
  std::size_t prompt_bytes = 0;
  for (const auto& m : messages->get_array()) {
    const auto* mo = m.if_object();
    const auto* content = mo ? mo->if_contains("content") : nullptr;
    const auto* role = mo ? mo->if_contains("role") : nullptr;
    if (!content || !content->is_string() || !role || !role->is_string()) {
      why = "each message needs a string 'role' and 'content'";
      return std::nullopt;
    }
    prompt_bytes += content->get_string().size();
    if (role->get_string() == "user") r.last_user = std::string(content->get_string());
  }
  r.prompt_tokens = prompt_bytes / 4 + messages->get_array().size() * 4;  // rough, deterministic
  for (const char* key : {"max_completion_tokens", "max_tokens"}) {
    if (const auto* v = o.if_contains(key); v && v->is_int64() && v->get_int64() > 0) {
      r.max_tokens = static_cast<unsigned>(std::min<std::int64_t>(v->get_int64(), 1 << 20));
      break;
    }
  }
  if (const auto* s = o.if_contains("stream"); s && s->is_bool()) r.stream = s->get_bool();
  if (const auto* so = o.if_contains("stream_options"); so && so->is_object()) {
    if (const auto* iu = so->get_object().if_contains("include_usage"); iu && iu->is_bool())
      r.include_usage = iu->get_bool();
  }
  return r;
}

template <class Map>
json::object counts_json(const Map& counts) {
  json::object out;
  for (const auto& [name, n] : counts) {
    if constexpr (std::is_same_v<typename Map::key_type, std::string>) out[name] = n;
    else out[std::to_string(name)] = n;
  }
  return out;
}

// Shared between a stream and the readiness watch on its socket. Strand-only.
struct stream_watch {
  bool watching = true;   // false once the stream is over: the watch must touch nothing then
  bool peer_gone = false;
  asio::steady_timer* pause = nullptr;         // the pacing timer, cancelled when the peer leaves
  std::shared_ptr<asio::steady_timer> gate;    // the gate wait in progress, if any
};

}  // namespace

struct sim_server::impl : std::enable_shared_from_this<impl> {
  impl(asio::io_context& ioc, sim_config c, logger l)
      : ioc(ioc), cfg(std::move(c)), log(std::move(l)),
        acceptor(ioc, {asio::ip::make_address(cfg.host), cfg.port}, log,
                 [this](tcp::socket s) { on_accept(std::move(s)); }) {
    if (cfg.tls) tls.emplace(make_server_tls_context(cfg.tls->certificate, cfg.tls->private_key));
  }

  // ---- connections -------------------------------------------------------------------------
  void on_accept(tcp::socket socket) {
    ++connections;
    auto ex = socket.get_executor();
    auto self = shared_from_this();  // frames keep the server alive until they are destroyed
    asio::co_spawn(ex, session(self, std::move(socket)), [self](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& what) {
        self->log.error("groq-sim: session failed: {}", what.what());
      }
    });
  }

  static asio::awaitable<void> session(std::shared_ptr<impl> self, tcp::socket socket) {
    if (self->tls) {
      asio::ssl::stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *self->tls);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(10));
      auto [ec] = co_await stream.async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
      beast::get_lowest_layer(stream).expires_never();
      if (ec) co_return;
      ++self->tls_handshakes;
      if (SSL_session_reused(stream.native_handle())) ++self->tls_resumed;
      co_await self->serve(stream);
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(2));
      co_await stream.async_shutdown(tuple_awaitable);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await self->serve(stream);
      boost::system::error_code ec;
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    serve_limits limits;
    limits.keepalive_timeout = std::chrono::seconds(120);  // outlive the gateway's pool idle time
    limits.max_body_bytes = 8 << 20;
    limits.refusal_log = &refusal_log;
    bool idle = false;  // a test double: shutdown does not need to cut idle connections
    bool drop_next = false;  // set by the drop_next directive: the next request gets no answer
    boost::beast::flat_buffer buffer;
    co_await serve_http(
        stream, buffer, limits, log, [this, &drop_next](Stream& s, inbound_request& req) { return route(s, req, drop_next); },
        [this] { return stopping.load(); }, idle);
  }

  // ---- routes ------------------------------------------------------------------------------
  template <class Stream>
  asio::awaitable<bool> route(Stream& stream, inbound_request& req, bool& drop_next) {
    ++requests;
    std::string_view path = req.target();
    path = path.substr(0, path.find('?'));
    for (auto prefix : api_prefixes) {
      if (!path.starts_with(prefix)) continue;
      const auto rest = path.substr(prefix.size());
      if (rest == "/chat/completions" && req.method() == beast::http::verb::post) {
        if (std::exchange(drop_next, false)) co_return false;  // close without a byte: a "stale" connection
        co_return co_await completion(stream, req, drop_next);
      }
      if (rest == "/models" && req.method() == beast::http::verb::get) {
        if (cfg.ttft.count() > 0) {  // the list too comes after the time to first byte
          asio::steady_timer timer(co_await asio::this_coro::executor, cfg.ttft);
          co_await timer.async_wait(tuple_awaitable);
        }
        json::array data;
        for (std::string_view model_id : sim_models)
          data.push_back(json::object{{"id", model_id}, {"object", "model"}, {"owned_by", "groq-sim"}, {"active", true}});
        std::string body = json::serialize(json::object{{"object", "list"}, {"data", data}});
        co_return co_await reply(stream, req, 200, std::move(body));
      }
    }
    if (path == "/sim/stats" && req.method() == beast::http::verb::get) {
      const auto s = snapshot();
      std::string body = json::serialize(json::object{
          {"requests", s.requests}, {"completions", s.completions}, {"connections", s.connections},
          {"tls_handshakes", s.tls_handshakes}, {"tls_resumed", s.tls_resumed}, {"streams_started", s.streams_started},
          {"streams_completed", s.streams_completed}, {"streams_aborted", s.streams_aborted},
          {"active_streams", s.active_streams}, {"unauthorized", s.unauthorized},
          {"rate_limited", s.rate_limited}, {"by_key", counts_json(s.by_key)}, {"by_model", counts_json(s.by_model)},
          {"by_route", counts_json(s.by_route)}, {"last_request_body", s.last_request_body}});
      co_return co_await reply(stream, req, 200, std::move(body));
    }
    if (path == "/sim/reset" && req.method() == beast::http::verb::post) {
      reset();
      co_return co_await reply(stream, req, 200, R"({"reset":true})");
    }
    if (path.starts_with("/sim/gates/") && path.ends_with("/open") && req.method() == beast::http::verb::post) {
      open_gate(std::string(path.substr(11, path.size() - 11 - 5)));
      co_return co_await reply(stream, req, 200, R"({"open":true})");
    }
    co_return co_await reply(stream, req, 404, groq_error("Unknown request URL", "invalid_request_error", "unknown_url"));
  }

  using header_list = std::vector<std::pair<std::string, std::string>>;

  template <class Stream>
  asio::awaitable<bool> reply(Stream& stream, const inbound_request& req, unsigned status, std::string body,
                              std::string_view retry_after = {}, const header_list& headers = {}) {
    auto res = make_json_response(status, std::move(body), req.keep_alive(), req.version());
    if (!retry_after.empty()) res.set(beast::http::field::retry_after, retry_after);
    for (const auto& [name, value] : headers) res.set(name, value);
    const auto ec = co_await write_with_deadline(stream, res, std::chrono::seconds(30));
    co_return !ec && req.keep_alive();
  }

  template <class Stream>
  asio::awaitable<bool> completion(Stream& stream, inbound_request& req, bool& drop_next) {
    ++completions;
    {
      std::lock_guard lock(mutex);
      last_body = req.body();
      last_request_id = std::string(req["x-request-id"]);
      last_traceparent = std::string(req["traceparent"]);
      last_tracestate = std::string(req["tracestate"]);
      if (!last_traceparent.empty()) ++traced_completions;
    }
    const auto key = key_position(req[beast::http::field::authorization]);
    if (!key) {
      ++unauthorized;
      co_return co_await reply(stream, req, 401, groq_error("Invalid API Key", "invalid_request_error", "invalid_api_key"));
    }
    std::string why;
    auto r = parse_request(req.body(), why);
    if (!r) co_return co_await reply(stream, req, 400, groq_error(why, "invalid_request_error", "invalid_request"));

    auto d = parse_directives(r->last_user);
    auto answer = plan_answer(r->model, r->last_user, d, r->max_tokens, cfg.answer_tokens);
    // Groq's limits, per key and per model: a spent window answers 429 before anything else.
    auto verdict = admit(*key, r->model, r->prompt_tokens + answer.tokens.size());
    if (!verdict.allowed) {
      const auto retry_after = std::to_string((verdict.retry_after.count() + 999) / 1000);
      co_return co_await reply(stream, req, 429,
                               groq_error(fmt::format("Rate limit reached for model `{}`: please try again later", r->model),
                                          "tokens", "rate_limit_exceeded"),
                               retry_after, verdict.headers);
    }
    // model=NAME keeps the directive's faults to that model; times=K to the first K requests that
    // carry its key.
    const bool model_matches = d.model.empty() || d.model == r->model;
    if ((d.status || d.drop_after || d.malformed_after || d.error_after) && (!model_matches || !fault_applies(d))) {
      d.status.reset();
      d.drop_after.reset();
      d.malformed_after.reset();
      d.error_after.reset();
    }
    drop_next = d.drop_next;
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor);
    auto pause = [&](std::chrono::milliseconds ms) -> asio::awaitable<void> {
      if (ms.count() <= 0) co_return;
      timer.expires_after(ms);
      co_await timer.async_wait(tuple_awaitable);
    };
    if (!d.hold.empty()) {
      stream_watch unwatched;  // nothing to wake early: the gate's own time limit bounds the wait
      co_await wait_gate(d.hold, unwatched);
    }
    if (d.stall) co_await pause(*d.stall);
    if (d.status) {
      const unsigned status = *d.status;
      const auto type = status == 429 ? "tokens" : status >= 500 ? "internal_server_error" : "invalid_request_error";
      co_return co_await reply(stream, req, status,
                               groq_error(fmt::format("simulated HTTP {}", status), type, "simulated"), d.retry_after,
                               verdict.headers);
    }

    answer.id = fmt::format("chatcmpl-sim-{:x}", ++ids);
    answer.created = unix_now();
    answer.prompt_tokens = r->prompt_tokens;
    const auto ttft = d.ttft.value_or(cfg.ttft);
    const auto interval = d.interval.value_or(cfg.token_interval);
    const auto time = ttft + interval * answer.tokens.size();
    answer.seconds = static_cast<double>(time.count()) / 1000.0;

    if (!r->stream) {
      co_await pause(time);
      co_return co_await reply(stream, req, 200, completion_body(answer), {}, verdict.headers);
    }
    co_return co_await stream_completion(stream, req, r->include_usage, d, answer, timer, pause, verdict.headers);
  }

  template <class Stream, class Pause>
  asio::awaitable<bool> stream_completion(Stream& stream, const inbound_request& req, bool include_usage,
                                          const directives& d, const sim_answer& answer, asio::steady_timer& timer,
                                          Pause& pause, const header_list& headers) {
    beast::http::response<beast::http::empty_body> head{beast::http::status::ok, req.version()};
    for (const auto& [name, value] : headers) head.set(name, value);
    head.set(beast::http::field::content_type, "text/event-stream");
    head.set(beast::http::field::cache_control, "no-cache");
    head.set("x-request-id", "req_sim_" + answer.id);
    head.chunked(true);
    head.keep_alive(req.keep_alive());
    beast::http::response_serializer<beast::http::empty_body> sr{head};
    auto [hec, hn] = co_await beast::http::async_write_header(stream, sr, tuple_awaitable);
    if (hec) co_return false;

    ++streams_started;
    ++active_streams;
    struct active_guard {
      std::atomic<std::int64_t>& n;
      ~active_guard() { --n; }
    } guard{active_streams};

    // Notice a peer that closes mid-stream (even while we are paused) and stop at once.
    auto watch = std::make_shared<stream_watch>();
    watch->pause = &timer;
    auto& socket = beast::get_lowest_layer(stream).socket();
    const auto strand = co_await asio::this_coro::executor;
    // Readiness is only a hint: a peek tells a closed peer from a spurious wake-up.
    std::function<void(boost::system::error_code)> on_readable;
    on_readable = [&socket, watch, strand, &on_readable](boost::system::error_code ec) {
      if (!watch->watching) return;
      const auto peer = ec ? peer_state::closed : probe_peer(socket);
      if (peer == peer_state::quiet)
        return socket.async_wait(tcp::socket::wait_read, asio::bind_executor(strand, on_readable));
      if (peer != peer_state::closed) return;
      watch->peer_gone = true;
      boost::system::error_code ignored;
      socket.close(ignored);  // fails a pending write at once
      watch->pause->cancel();
      if (watch->gate) watch->gate->cancel();
    };
    socket.async_wait(tcp::socket::wait_read, asio::bind_executor(strand, on_readable));
    struct watch_guard {
      stream_watch& w;
      ~watch_guard() { w.watching = false; }
    } wguard{*watch};

    const bool split = d.split || cfg.split_writes;
    auto send = [&](std::string bytes) -> asio::awaitable<bool> {
      beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(30));
      const std::size_t cut = split ? utf8_split_point(bytes) : bytes.size();
      const std::array<std::string_view, 2> parts = {std::string_view(bytes).substr(0, cut),
                                                     std::string_view(bytes).substr(cut)};
      for (auto part : parts) {
        if (part.empty()) continue;
        auto [ec, n] = co_await asio::async_write(stream, beast::http::make_chunk(asio::buffer(part)), tuple_awaitable);
        if (ec) co_return false;
      }
      beast::get_lowest_layer(stream).expires_never();
      co_return !watch->peer_gone;
    };
    auto aborted = [&]() -> asio::awaitable<bool> {
      ++streams_aborted;
      co_return false;
    };

    if (!co_await send(role_event(answer))) co_return co_await aborted();
    // A reasoning model's thoughts come before its content, at once: the pacing (ttft, interval)
    // and every fault directive count content tokens, as they did before models reasoned.
    for (std::size_t i = 0; i < answer.reasoning.size(); ++i) {
      std::string event = reasoning_event(answer, i);
      if (!co_await send(std::move(event))) co_return co_await aborted();
    }

    const auto ttft = d.ttft.value_or(cfg.ttft);
    const auto interval = d.interval.value_or(cfg.token_interval);
    for (std::size_t i = 0; i < answer.tokens.size(); ++i) {
      co_await pause(i == 0 ? ttft : interval);
      if (watch->peer_gone) co_return co_await aborted();
      if (d.drop_after && i == *d.drop_after) {
        boost::system::error_code ec;
        socket.close(ec);  // abrupt: no terminating chunk
        co_return false;
      }
      if (d.malformed_after && i == *d.malformed_after) {
        co_await send("data: {\"choices\": [{\"delta\": {\"content\": \"kırık\n\n");
        break;
      }
      if (d.error_after && i == *d.error_after) {
        std::string event = "data: " + groq_error("simulated mid-stream failure", "internal_server_error", "simulated") + "\n\n";
        co_await send(std::move(event));
        break;
      }
      std::string event = content_event(answer, i);
      if (!co_await send(std::move(event))) co_return co_await aborted();
      if (i == 0 && !d.gate.empty()) {
        co_await wait_gate(d.gate, *watch);
        if (watch->peer_gone) co_return co_await aborted();
      }
    }
    if (!d.malformed_after && !d.error_after) {
      std::string tail = end_events(answer, include_usage);
      if (!co_await send(std::move(tail))) co_return co_await aborted();
    }
    auto [lec, ln] = co_await asio::async_write(stream, beast::http::make_chunk_last(), tuple_awaitable);
    if (lec) co_return co_await aborted();
    ++streams_completed;
    co_return req.keep_alive();
  }

  // ---- keys and limits -----------------------------------------------------------------------
  // The 1-based position of the request's key in cfg.api_keys (0 when no keys are required), or
  // nullopt for a missing or unknown key.
  std::optional<std::size_t> key_position(std::string_view authorization) const {
    if (cfg.api_keys.empty()) return 0;
    for (std::size_t i = 0; i < cfg.api_keys.size(); ++i)
      if (authorization == "Bearer " + cfg.api_keys[i]) return i + 1;
    return std::nullopt;
  }

  limit_verdict admit(std::size_t key, const std::string& model, std::uint64_t tokens) {
    const auto it = cfg.model_limits.find(model);
    const auto& limit = it != cfg.model_limits.end() ? it->second : cfg.limits;
    std::lock_guard lock(mutex);
    ++by_key[key];
    ++by_model[model];
    ++by_route[fmt::format("{} {}", key, model)];
    auto v = windows.admit(std::to_string(key), model, limit, tokens, clock_type::now());
    if (!v.allowed) ++rate_limited;
    return v;
  }

  // ---- faults and gates ----------------------------------------------------------------------
  bool fault_applies(const directives& d) {
    std::lock_guard lock(mutex);
    const auto n = ++fault_counts[d.key];
    return d.times == 0 || n <= d.times;
  }

  asio::awaitable<void> wait_gate(const std::string& name, stream_watch& watch) {
    const auto strand = co_await asio::this_coro::executor;
    auto timer = std::make_shared<asio::steady_timer>(strand);
    timer->expires_after(std::chrono::seconds(60));  // a forgotten gate must not hang a test forever
    {
      std::lock_guard lock(mutex);
      auto& g = gates[name];
      if (g.open) co_return;
      g.waiters.emplace_back(strand, timer);
    }
    watch.gate = timer;
    co_await timer->async_wait(tuple_awaitable);
  }

  void open_gate(const std::string& name) {
    std::lock_guard lock(mutex);
    auto& g = gates[name];
    g.open = true;
    for (auto& [ex, weak] : g.waiters)  // each timer is cancelled on its own strand
      asio::post(ex, [weak] {
        if (auto t = weak.lock()) t->cancel();
      });
    g.waiters.clear();
  }

  void reset() {
    std::lock_guard lock(mutex);
    requests = completions = connections = tls_handshakes = tls_resumed = 0;
    streams_started = streams_completed = streams_aborted = unauthorized = 0;
    last_body.clear();
    fault_counts.clear();
    rate_limited = 0;
    by_key.clear();
    by_model.clear();
    by_route.clear();
    windows.clear();
    for (auto& [name, g] : gates)
      for (auto& [ex, weak] : g.waiters)
        asio::post(ex, [weak] {
          if (auto t = weak.lock()) t->cancel();
        });
    gates.clear();
  }

  sim_stats snapshot() {
    std::lock_guard lock(mutex);
    sim_stats s{requests, completions, connections, tls_handshakes, tls_resumed, streams_started, streams_completed,
                streams_aborted, active_streams, unauthorized, rate_limited, by_key, by_model, by_route,
                last_body, last_request_id, last_traceparent, last_tracestate, traced_completions};
    return s;
  }

  asio::io_context& ioc;
  sim_config cfg;
  logger log;
  log_budget refusal_log{10};  // serve_http's refusal lines a second; thread-safe
  std::optional<asio::ssl::context> tls;
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> requests{0}, completions{0}, connections{0}, tls_handshakes{0}, tls_resumed{0},
      streams_started{0}, streams_completed{0}, streams_aborted{0}, unauthorized{0}, ids{0};
  std::atomic<std::int64_t> active_streams{0};
  struct gate {
    bool open = false;
    std::vector<std::pair<asio::any_io_executor, std::weak_ptr<asio::steady_timer>>> waiters;
  };
  std::mutex mutex;  // guards last_body, the last request's headers, fault_counts, gates, the limits and their counts
  std::string last_body;
  std::string last_request_id;
  std::string last_traceparent, last_tracestate;
  std::uint64_t traced_completions = 0;
  std::map<std::string, unsigned> fault_counts;
  std::uint64_t rate_limited = 0;
  std::map<std::size_t, std::uint64_t> by_key;
  std::map<std::string, std::uint64_t> by_model, by_route;
  rate_windows windows;
  std::map<std::string, gate> gates;
  listener acceptor;
};

sim_server::sim_server(asio::io_context& ioc, sim_config cfg, logger log)
    : impl_(std::make_shared<impl>(ioc, std::move(cfg), std::move(log))) {}
sim_server::~sim_server() { stop(); }

void sim_server::start() {
  impl_->acceptor.start();
  impl_->log.info("groq-sim listening on {}://{}:{}", impl_->tls ? "https" : "http", impl_->cfg.host, port());
}
void sim_server::stop() {
  impl_->stopping = true;
  impl_->acceptor.stop();
}
unsigned short sim_server::port() const { return impl_->acceptor.port(); }
sim_stats sim_server::stats() const { return impl_->snapshot(); }
void sim_server::reset() { impl_->reset(); }
void sim_server::open_gate(const std::string& name) { impl_->open_gate(name); }
void sim_server::forget_tls_sessions() {
  if (!impl_->tls) return;
  std::array<unsigned char, 80> keys{};  // name, HMAC and AES keys of OpenSSL's ticket format
  if (RAND_bytes(keys.data(), static_cast<int>(keys.size())) != 1 ||
      SSL_CTX_set_tlsext_ticket_keys(impl_->tls->native_handle(), keys.data(), keys.size()) != 1)
    throw std::runtime_error("groq-sim: cannot set new session-ticket keys");
}

}  // namespace gateway::sim
