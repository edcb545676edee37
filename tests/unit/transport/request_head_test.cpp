// The hand-written upstream request (lib/transport/request_head) against Beast's serializer: for
// each method, with and without a body, a request id, a key and trace fields, the bytes of the message
// upstream_client used to build (the fields set in this order, then prepare_payload).
#include "transport/request_head.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <catch2/catch.hpp>

#include <sstream>

using namespace gateway;
namespace beast = boost::beast;

TEST_CASE("upstream request: the bytes Beast's serializer writes for the same message", "[upstream][request]") {
  for (const auto method : {beast::http::verb::post, beast::http::verb::get})
    for (const std::string body : {"", R"({"model":"llama","messages":[{"role":"user","content":"BIST 100 nedir? 🚀"}]})"})
      for (const std::string id : {"", "gw-1a2b-ff"})
        for (const std::string key : {"", "Bearer gsk_test"})
        for (const bool traced : {false, true}) {
          const std::string parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
          const std::string fields = traced ? "traceparent: " + parent + "\r\ntracestate: a=1\r\n" : "";
          upstream_request_head h{method, "/openai/v1/chat/completions", "api.groq.com", id, key, fields};
          beast::http::request<beast::http::string_body> req{method, h.target, 11};
          req.set(beast::http::field::host, h.host);
          req.set(beast::http::field::user_agent, "chat-gateway/0.1");
          if (method == beast::http::verb::post) req.set(beast::http::field::content_type, "application/json");
          if (!id.empty()) req.set("x-request-id", id);
          if (traced) {
            req.set("traceparent", parent);
            req.set("tracestate", "a=1");
          }
          req.set(beast::http::field::accept, "application/json, text/event-stream");
          if (!key.empty()) req.set(beast::http::field::authorization, key);
          req.body() = body;
          req.prepare_payload();
          std::ostringstream beast;
          beast << req;
          INFO(beast::http::to_string(method) << " body " << body.size() << " id '" << id << "' key '" << key << "'");
          CHECK(upstream_request_bytes(h, body) == beast.str());
        }
}

TEST_CASE("upstream request: a port in the Host field and a long body's length", "[upstream][request]") {
  const std::string body(70'000, 'x');
  const auto bytes = upstream_request_bytes({beast::http::verb::post, "/v1/chat/completions", "127.0.0.1:8443", {}, {}, {}}, body);
  CHECK(bytes.starts_with("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:8443\r\n"));
  CHECK(bytes.find("\r\nContent-Length: 70000\r\n\r\n") != std::string::npos);
  CHECK(bytes.ends_with(body));
  CHECK(bytes.size() == bytes.find("\r\n\r\n") + 4 + body.size());
}
