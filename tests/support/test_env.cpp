#include "support/test_env.hpp"

#include "tools/sim/sim_script.hpp"
#include "tls/self_signed.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>

#include <cstdlib>
#include <stdexcept>

namespace test {
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;

namespace {

template <class T>
T run_on(asio::io_context& ioc, asio::awaitable<T> work) {
  auto fut = asio::co_spawn(asio::make_strand(ioc), std::move(work), asio::use_future);
  // A hang is a failure, never a stuck test run. (Thrown, not REQUIREd: some tests call this from
  // several threads, and Catch2's assertions are not thread-safe; the exception reaches the test.)
  if (fut.wait_for(std::chrono::seconds(60)) != std::future_status::ready)
    throw std::runtime_error("no response within 60 s");
  return fut.get();
}

template <class Parser>
void copy_headers(const Parser& p, std::map<std::string, std::string>& out) {
  for (const auto& f : p.get()) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[name] = std::string(f.value());
  }
}

asio::awaitable<void> connect_and_send(beast::tcp_stream& s, unsigned short port, const std::string& method,
                                       const std::string& target, const std::string& body,
                                       const std::map<std::string, std::string>& headers) {
  s.expires_after(std::chrono::seconds(30));
  co_await s.async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), asio::use_awaitable);
  beast::http::request<beast::http::string_body> req{beast::http::string_to_verb(method), target, 11};
  req.set(beast::http::field::host, "127.0.0.1");
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  co_await beast::http::async_write(s, req, asio::use_awaitable);
}

asio::awaitable<http_result> do_request(unsigned short port, std::string method, std::string target,
                                        std::string body, std::map<std::string, std::string> headers) {
  beast::tcp_stream s(co_await asio::this_coro::executor);
  co_await connect_and_send(s, port, method, target, body, headers);
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::string_body> parser;
  parser.body_limit(16 << 20);
  if (method == "HEAD") parser.skip(true);
  co_await beast::http::async_read(s, buffer, parser, asio::use_awaitable);
  http_result out;
  out.status = parser.get().result_int();
  copy_headers(parser, out.headers);
  out.body = parser.get().body();
  co_return out;
}

// Reads one event's JSON into `out`: /chat's {"delta"}, {"done"}, {"error"} events and OpenAI's
// chat.completion.chunk events (role, content, reasoning, finish_reason, usage).
void read_event(const boost::json::object& o, stream_result& out) {
  if (auto* d = o.if_contains("delta")) out.text += std::string(d->as_string());
  if (o.contains("done")) out.saw_done = true;
  if (auto* e = o.if_contains("error")) out.error = *e;
  if (auto* u = o.if_contains("usage"); u && u->is_object()) out.usage = *u;
  const auto* choices = o.if_contains("choices");
  if (!choices || !choices->is_array() || choices->as_array().empty()) return;
  const auto& choice = choices->as_array()[0].as_object();
  const auto& delta = choice.at("delta").as_object();
  if (auto* r = delta.if_contains("role")) out.roles.push_back(std::string(r->as_string()));
  if (auto* c = delta.if_contains("content"); c && c->is_string()) out.text += std::string(c->as_string());
  if (auto* r = delta.if_contains("reasoning"); r && r->is_string())
    out.reasoning = out.reasoning.value_or("") + std::string(r->as_string());
  if (auto* f = choice.if_contains("finish_reason"); f && f->is_string()) out.finish_reason = std::string(f->as_string());
}

asio::awaitable<stream_result> do_stream(unsigned short port, std::string target, std::string body,
                                         std::function<bool(const gateway::sse_event&)> on_event,
                                         std::map<std::string, std::string> headers) {
  beast::tcp_stream s(co_await asio::this_coro::executor);
  co_await connect_and_send(s, port, "POST", target, body, headers);
  beast::flat_buffer buffer;
  beast::http::response_parser<beast::http::buffer_body> parser;
  parser.body_limit(boost::none);
  co_await beast::http::async_read_header(s, buffer, parser, asio::use_awaitable);
  stream_result out;
  out.status = parser.get().result_int();
  copy_headers(parser, out.headers);
  gateway::sse_parser sse;
  char chunk[1024];
  while (!parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    auto [ec, n] = co_await beast::http::async_read_some(s, buffer, parser, asio::as_tuple(asio::use_awaitable));
    if (ec && ec != beast::http::error::need_buffer) throw boost::system::system_error(ec);
    const std::string_view piece(chunk, sizeof chunk - parser.get().body().size);
    out.body.append(piece);
    if (out.status != 200) continue;
    if (!sse.feed(piece)) throw std::runtime_error("SSE event too large");  // io thread: no Catch2 here
    while (auto ev = sse.next()) {
      out.events.push_back(*ev);
      if (ev->data == "[DONE]") {
        out.saw_done_marker = true;
      } else {
        read_event(boost::json::parse(ev->data).as_object(), out);
      }
      if (on_event && !on_event(*ev)) {
        out.closed_by_client = true;
        s.close();
        co_return out;
      }
    }
  }
  co_return out;
}

}  // namespace

namespace {
// GATEWAY_TEST_LOG=debug (or info, ...) shows the servers' logs while a test runs.
gateway::logger test_logger() {
  const char* level = std::getenv("GATEWAY_TEST_LOG");
  if (!level) return gateway::logger();
  return gateway::logger::to_stderr(gateway::parse_log_level(level).value_or(gateway::log_level::debug));
}
}  // namespace

test_env::test_env(env_options options) {
  gateway::sim::sim_config sc;
  sc.split_writes = true;  // every streamed event crosses a write boundary inside a UTF-8 character
  sc.api_keys = {"test-key-0123456789"};
  if (options.sim_tls) {
    sc.tls = gateway::make_self_signed({"127.0.0.1", "localhost"});
    ca_.emplace(sc.tls->certificate);
  }
  if (options.sim) options.sim(sc);
  sim_ = std::make_unique<gateway::sim::sim_server>(ioc_, sc, test_logger());

  gateway::gateway_config gc;
  gc.host = "127.0.0.1";
  gc.port = 0;
  gc.groq_api_key = "test-key-0123456789";
  if (ca_) gc.groq_ca_file = ca_->path();
  std::string why;
  auto url = gateway::parse_base_url(
      fmt::format("{}://127.0.0.1:{}/openai/v1", options.sim_tls ? "https" : "http", sim_->port()), why);
  REQUIRE(url);
  gc.upstream = *url;
  if (options.gateway) options.gateway(gc);
  gateway_ = std::make_unique<gateway::gateway_server>(ioc_, gc, options.log ? *options.log : test_logger(),
                                                       options.access);

  sim_->start();
  gateway_->start();
  work_.emplace(ioc_.get_executor());
  for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { ioc_.run(); });
}

test_env::~test_env() {
  gateway_->stop();
  sim_->stop();
  work_.reset();
  ioc_.stop();
  for (auto& t : threads_) t.join();
  gateway_.reset();
  sim_.reset();
}

http_result test_env::request(std::string method, std::string target, std::string body,
                              std::map<std::string, std::string> headers) {
  return run_on(ioc_, do_request(port(), std::move(method), std::move(target), std::move(body), std::move(headers)));
}

stream_result test_env::chat_stream(const std::string& body, std::function<bool(const gateway::sse_event&)> on_event) {
  return run_on(ioc_, do_stream(port(), "/chat", body, std::move(on_event), {{"content-type", "application/json"}}));
}

stream_result test_env::stream(const std::string& target, const std::string& body,
                               std::function<bool(const gateway::sse_event&)> on_event,
                               std::map<std::string, std::string> headers) {
  return run_on(ioc_, do_stream(port(), target, body, std::move(on_event), std::move(headers)));
}

bool test_env::eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return condition();
}

std::string chat_body(const std::string& question, bool stream, const std::string& extra) {
  boost::json::object o{{"question", question}};
  if (stream) o["stream"] = true;
  std::string s = boost::json::serialize(o);
  if (!extra.empty()) s.insert(s.size() - 1, "," + extra);
  return s;
}

std::string expected_answer(const std::string& question, unsigned tokens) {
  std::string out;
  for (const auto& t : gateway::sim::answer_tokens(question, tokens)) out += t;
  return out;
}

}  // namespace test
