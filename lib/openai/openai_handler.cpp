#include "openai/openai_handler.hpp"

#include "chat/chat_reply.hpp"
#include "chat/chat_request.hpp"
#include "http/client_io.hpp"
#include "http/sse_keepalive.hpp"
#include "metrics/metrics.hpp"
#include "openai/openai_protocol.hpp"
#include "sse/sse_parser.hpp"

#include <boost/asio/this_coro.hpp>

namespace gateway {
namespace beast = boost::beast;

namespace {
constexpr std::size_t max_completion_body = 4 << 20;
constexpr auto models_ttl = std::chrono::minutes(1);

// Whether an event's data is an {"error": ...} object - checked on the first bytes only, so a relayed
// chunk is never parsed.
bool is_error_payload(std::string_view data) {
  auto skip = [&] {
    while (!data.empty() && (data.front() == ' ' || data.front() == '\t' || data.front() == '\n' || data.front() == '\r'))
      data.remove_prefix(1);
  };
  skip();
  if (!data.starts_with('{')) return false;
  data.remove_prefix(1);
  skip();
  return data.starts_with("\"error\"");
}

error as_error(const std::error_code& ec) {
  return ec.category() == gateway_category() ? static_cast<error>(ec.value()) : error::upstream_closed;
}

std::string sse_data(std::string_view data) {
  std::string out;
  out.reserve(data.size() + 8);
  out += "data: ";
  out += data;
  out += "\n\n";
  return out;
}
}  // namespace

struct openai_handler::call {
  call(beast::tcp_stream& cl, const request_t& r, std::string_view i, net::any_io_executor s,
       clock_type::time_point now, std::chrono::milliseconds timeout, request_report& rep, gateway_metrics* m)
      : client(cl), req(r), id(i), strand(s), wd(std::move(s)), deadlines{now + timeout}, started(now), report(rep),
        metrics(m) {}
  ~call() {
    if (stream_open && metrics) metrics->stream_closed();
    report.added = gateway_share(started, upstream_called, upstream_finished, clock_type::now());
  }

  beast::tcp_stream& client;
  const request_t& req;
  std::string_view id;
  net::any_io_executor strand;
  watchdog wd;
  request_deadlines deadlines;
  clock_type::time_point started;
  std::shared_ptr<bool> watching = std::make_shared<bool>(false);
  std::unique_ptr<upstream_exchange> exchange;
  std::string retry_after;
  bool chunked = true;
  sse_keepalive* keepalive = nullptr;
  request_report& report;  // the router's: what the access log and metrics need
  gateway_metrics* metrics;
  bool stream_open = false;
  std::optional<clock_type::time_point> upstream_called, upstream_finished;
};

openai_handler::openai_handler(const gateway_config& cfg, upstream_caller& upstream, logger log,
                               gateway_metrics* metrics)
    : cfg_(cfg), upstream_(upstream), log_(std::move(log)), metrics_(metrics),
      completions_target_(cfg.upstream.target("/chat/completions")), models_target_(cfg.upstream.target("/models")) {}

net::awaitable<bool> openai_handler::completions(beast::tcp_stream& client, const request_t& req,
                                                 std::string_view id, request_report& report) {
  const auto strand = co_await net::this_coro::executor;
  call c(client, req, id, strand, clock_type::now(), cfg_.request_timeout, report, metrics_);

  const auto content_type = req[http::field::content_type];
  if (!beast::iequals(trim_space(content_type.substr(0, content_type.find(';'))), "application/json"))
    co_return co_await reply_error(c, error::unsupported_media_type, "Content-Type must be application/json");
  auto parsed = parse_openai_request(req.body(), cfg_.model);
  if (auto* bad = std::get_if<openai_error>(&parsed)) {
    report.status = bad->status;
    auto res = make_json_response(bad->status, openai_error_body(*bad), req.keep_alive(), req.version());
    res.set("x-request-id", id);
    log_.info("{} POST /v1/chat/completions {} {}", id, bad->status, bad->message);
    const auto ec = co_await write_with_deadline(client, res, cfg_.client_write_timeout);
    co_return !ec && req.keep_alive();
  }
  auto& r = std::get<openai_request>(parsed);

  watch_client(client, c.watching, strand, [&c] { c.wd.trigger(error::client_gone); });
  c.upstream_called = clock_type::now();
  auto outcome = co_await upstream_.call(completions_target_, std::move(r.body), c.wd, c.deadlines, id);
  report.attempts = outcome.attempts;
  report.upstream_first_byte = outcome.first_byte;
  if (!outcome.exchange) {
    stop_watching(client, c.watching);
    auto& f = *outcome.failure;
    c.retry_after = std::move(f.retry_after);
    co_return co_await reply_error(c, f.code, std::move(f.message), outcome.upstream_status);
  }
  c.exchange = std::move(outcome.exchange);
  if (r.stream) co_return co_await relay_stream(c);

  std::error_code ec;
  auto body = co_await c.exchange->read_all(max_completion_body, ec);
  c.upstream_finished = clock_type::now();
  stop_watching(client, c.watching);
  if (ec) co_return co_await reply_error(c, as_error(ec), {});
  c.exchange.reset();  // back to the pool before the client write
  auto res = make_json_response(200, std::move(body), req.keep_alive(), req.version());  // byte for byte
  res.set("x-request-id", id);
  report.status = 200;
  const auto wec = co_await write_with_deadline(client, res, cfg_.client_write_timeout);
  report.bytes += res.body().size();
  log_.info("{} POST /v1/chat/completions 200 json {} ms", id,
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - c.started).count());
  co_return !wec && req.keep_alive();
}

net::awaitable<bool> openai_handler::relay_stream(call& c) {
  auto head = sse_head(c.req.version(), c.req.keep_alive());
  head.set("x-request-id", c.id);
  c.chunked = head.chunked();
  c.report.status = 200;
  if (c.metrics) {
    c.stream_open = true;
    c.metrics->stream_opened();
  }
  if (!co_await write_sse_head(c.client, head, cfg_.client_write_timeout)) {
    stop_watching(c.client, c.watching);
    co_return false;
  }
  sse_keepalive keepalive(c.client, c.strand, c.chunked, cfg_.sse_keepalive_interval, cfg_.client_write_timeout);
  keepalive.start();
  c.keepalive = &keepalive;

  sse_parser parser;
  std::string out;
  bool saw_done = false, client_gone = false;
  std::optional<error> failure;
  std::string failure_event;  // an error event to end with
  std::size_t chunks = 0;
  while (!failure && !saw_done && !c.exchange->done()) {
    std::error_code ec;
    const auto piece = co_await c.exchange->read_some(ec);
    if (ec) {
      failure = as_error(ec);
      break;
    }
    if (!parser.feed(piece)) {
      failure = error::upstream_protocol_error;
      break;
    }
    out.clear();
    while (auto event = parser.next()) {
      if (event->data == "[DONE]") {
        saw_done = true;
        break;
      }
      // The upstream's own error, as an event type or an {"error": ...} payload: passed on as
      // `data: {"error": ...}` (what the SDKs turn into an exception) and the stream ends.
      if (event->type == "error" || is_error_payload(event->data)) {
        failure = error::upstream_error_event;
        failure_event = is_error_payload(event->data) ? sse_data(event->data) : std::string{};
        break;
      }
      out += sse_data(event->data);  // the upstream's chunk, unchanged
      ++chunks;
    }
    if (out.empty()) continue;
    const auto wec = co_await send(c, out);
    if (wec) {
      client_gone = true;
      break;
    }
  }
  c.upstream_finished = clock_type::now();
  if (!failure && !saw_done && !client_gone) failure = error::upstream_closed;
  co_await keepalive.finish();
  c.keepalive = nullptr;
  stop_watching(c.client, c.watching);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - c.started).count();
  if (client_gone || failure == error::client_gone) {
    log_.info("{} POST /v1/chat/completions stream cut: client gone after {} chunks, {} ms", c.id, chunks, ms);
    co_return false;
  }
  if (failure) {
    log_.warn("{} POST /v1/chat/completions stream failed: {} after {} chunks, {} ms", c.id,
              make_error_code(*failure).message(), chunks, ms);
    if (failure_event.empty())
      failure_event = sse_data(openai_error_body(openai_error_for(*failure, make_error_code(*failure).message())));
    out = std::move(failure_event);
  } else {
    c.exchange.reset();  // complete: back to the pool
    out = std::string(sse_done_marker);
    log_.info("{} POST /v1/chat/completions 200 stream {} chunks {} ms", c.id, chunks, ms);
  }
  if (co_await send(c, out)) co_return false;
  co_return co_await end_sse(c.client, c.chunked, c.req.keep_alive(), cfg_.client_write_timeout);
}

net::awaitable<boost::system::error_code> openai_handler::send(call& c, const std::string& bytes) {
  const std::vector<net::const_buffer> buffers{net::buffer(bytes)};
  const auto ec = co_await write_sse(c.client, c.chunked, buffers, cfg_.client_write_timeout, c.keepalive);
  if (!ec) c.report.bytes += bytes.size();
  co_return ec;
}

net::awaitable<bool> openai_handler::reply_error(call& c, error cause, std::string message, unsigned upstream_status) {
  if (cause == error::client_gone) co_return false;
  if (message.empty()) message = default_error_message(cause, cfg_);
  auto e = openai_error_for(cause, std::move(message));
  // The upstream refused the request itself (unknown model, bad parameter): the client sees the
  // upstream's own status, as it would calling Groq directly. 401/403 are the gateway's key: 502.
  if (cause == error::upstream_rejected && upstream_status >= 400 && upstream_status < 500) {
    e.status = upstream_status;
    e.type = "invalid_request_error";
  }
  auto res = make_json_response(e.status, openai_error_body(e), c.req.keep_alive(), c.req.version());
  res.set("x-request-id", c.id);
  c.report.status = e.status;
  if (!c.retry_after.empty()) res.set(http::field::retry_after, c.retry_after);
  log_.log(e.status >= 500 ? log_level::warn : log_level::info, "{} POST /v1/chat/completions {} {}: {}", c.id,
           e.status, e.code, e.message);
  const auto ec = co_await write_with_deadline(c.client, res, cfg_.client_write_timeout);
  co_return !ec && c.req.keep_alive();
}

net::awaitable<bool> openai_handler::models(beast::tcp_stream& client, const request_t& req, std::string_view id,
                                            request_report& report) {
  std::string body;
  {
    std::lock_guard lock(models_mutex_);
    if (clock_type::now() < models_expire_) body = models_body_;
  }
  if (body.empty()) {
    const auto strand = co_await net::this_coro::executor;
    call c(client, req, id, strand, clock_type::now(), cfg_.request_timeout, report, metrics_);
    auto outcome = co_await upstream_.call(models_target_, {}, c.wd, c.deadlines, id, http::verb::get);
    if (!outcome.exchange) {
      auto& f = *outcome.failure;
      c.retry_after = std::move(f.retry_after);
      co_return co_await reply_error(c, f.code, std::move(f.message), outcome.upstream_status);
    }
    std::error_code ec;
    body = co_await outcome.exchange->read_all(max_completion_body, ec);
    if (ec) co_return co_await reply_error(c, as_error(ec), {});
    std::lock_guard lock(models_mutex_);
    models_body_ = body;
    models_expire_ = clock_type::now() + models_ttl;
  }
  auto res = make_json_response(200, std::move(body), req.keep_alive(), req.version());
  res.set("x-request-id", id);
  report.status = 200;
  if (req.method() == http::verb::head) res.body().clear();
  const auto ec = co_await write_with_deadline(client, res, cfg_.client_write_timeout);
  co_return !ec && req.keep_alive();
}

}  // namespace gateway
