#include "auth/api_keys.hpp"
#include "openai/openai_protocol.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace gateway;
namespace json = boost::json;

TEST_CASE("openai: a request passes through byte for byte, unknown fields included", "[openai]") {
  const std::string body =
      R"({"model":"qwen/qwen3-32b","messages":[{"role":"user","content":"BIST?"}],"tools":[{"type":"function"}],)"
      R"("seed":7,"stream":true,"stream_options":{"include_usage":true},"x_custom":{"a":[1,2]}})";
  const auto r = parse_openai_request(body, "openai/gpt-oss-20b");
  REQUIRE(std::holds_alternative<openai_request>(r));
  const auto& ok = std::get<openai_request>(r);
  CHECK(ok.body == body);
  CHECK(ok.model == "qwen/qwen3-32b");
  CHECK(ok.stream);
}

TEST_CASE("openai: a missing model is filled in with MODEL, nothing else changes", "[openai]") {
  const auto r = parse_openai_request(R"({"messages":[{"role":"user","content":"x"}],"temperature":0})", "m1");
  REQUIRE(std::holds_alternative<openai_request>(r));
  const auto v = json::parse(std::get<openai_request>(r).body);
  CHECK(v.at("model") == "m1");
  CHECK(v.at("temperature") == 0);
  CHECK_FALSE(std::get<openai_request>(r).stream);
}

TEST_CASE("openai: bad requests name the parameter", "[openai]") {
  struct row {
    const char* body;
    const char* code;
    const char* param;
  };
  for (const auto& [body, code, param] : std::vector<row>{
           {"not json", "invalid_json", ""},
           {"[1]", "invalid_json", ""},
           {R"({"model":"m"})", "invalid_request", "messages"},
           {R"({"messages":[]})", "invalid_request", "messages"},
           {R"({"messages":"hi"})", "invalid_request", "messages"},
           {R"({"messages":[{}],"stream":"yes"})", "invalid_request", "stream"},
           {R"({"messages":[{}],"model":""})", "invalid_request", "model"},
           {R"({"messages":[{}],"model":"a\nb"})", "invalid_model", "model"},
           {R"({"messages":[{}],"model":"a\u001b[31mb"})", "invalid_model", "model"},
           {R"({"messages":[{}],"model":"a\u007fb"})", "invalid_model", "model"},
       }) {
    INFO(body);
    const auto r = parse_openai_request(body, "m");
    REQUIRE(std::holds_alternative<openai_error>(r));
    const auto& e = std::get<openai_error>(r);
    CHECK(e.status == 400);
    CHECK(e.type == "invalid_request_error");
    CHECK(e.code == code);
    CHECK(e.param == param);
  }
}

// Issue 35: a 20,000-byte model name reached seven metric families per request.
TEST_CASE("openai: a model name is at most max_model_bytes", "[openai]") {
  const auto with_model = [](std::size_t n) {
    return R"({"messages":[{"role":"user","content":"x"}],"model":")" + std::string(n, 'm') + "\"}";
  };
  const auto ok = parse_openai_request(with_model(max_model_bytes), "m");
  REQUIRE(std::holds_alternative<openai_request>(ok));
  CHECK(std::get<openai_request>(ok).model.size() == max_model_bytes);
  const auto r = parse_openai_request(with_model(max_model_bytes + 1), "m");
  REQUIRE(std::holds_alternative<openai_error>(r));
  CHECK(std::get<openai_error>(r).status == 400);
  CHECK(std::get<openai_error>(r).code == "invalid_model");
  CHECK(std::get<openai_error>(r).param == "model");
  // Not ASCII is fine: only control characters are refused.
  CHECK(std::holds_alternative<openai_request>(parse_openai_request(R"({"messages":[{}],"model":"türkçe/model"})", "m")));
}

TEST_CASE("openai: errors have OpenAI's shape and the gateway's codes", "[openai]") {
  const auto body = json::parse(openai_error_body(openai_error_for(error::rate_limited, "slow down")));
  CHECK(body.at("error").at("message") == "slow down");
  CHECK(body.at("error").at("type") == "rate_limit_error");
  CHECK(body.at("error").at("code") == "rate_limited");
  CHECK(body.at("error").at("param").is_null());
  CHECK(openai_error_for(error::rate_limited, "").status == 429);
  CHECK(openai_error_for(error::unauthorized, "").status == 401);
  CHECK(openai_error_for(error::unauthorized, "").type == "authentication_error");
  CHECK(openai_error_for(error::upstream_first_byte_timeout, "").status == 504);
  CHECK(openai_error_for(error::upstream_status_5xx, "").type == "api_error");
}

TEST_CASE("api keys: Bearer tokens are matched exactly - none configured means open", "[auth]") {
  const api_keys open("");
  CHECK_FALSE(open.enabled());
  CHECK(open.accepts(""));

  const api_keys keys(" k-one , k-two,, ");
  CHECK(keys.enabled());
  CHECK(keys.size() == 2);
  CHECK(keys.accepts("Bearer k-one"));
  CHECK(keys.accepts("bearer k-two"));  // the scheme is case-insensitive
  CHECK_FALSE(keys.accepts("Bearer k-on"));
  CHECK_FALSE(keys.accepts("Bearer k-one2"));
  CHECK_FALSE(keys.accepts("Bearer K-ONE"));  // the key is not
  CHECK_FALSE(keys.accepts("k-one"));
  CHECK_FALSE(keys.accepts("Basic k-one"));
  CHECK_FALSE(keys.accepts("Bearer "));
  CHECK_FALSE(keys.accepts(""));
}

// Issue 35: the rate limit was keyed on the header's text, so every spelling of one key was a new
// client. It is keyed on which key matched.
TEST_CASE("api keys: every spelling of a key matches the same key and limit id", "[auth]") {
  const api_keys keys("k1,k2");
  for (const auto* spelling : {"Bearer k2", "bearer k2", "BEARER k2", "Bearer  k2", "Bearer k2 ", "Bearer \tk2"}) {
    INFO(spelling);
    REQUIRE(keys.match(spelling));
    CHECK(*keys.match(spelling) == 1);
  }
  CHECK(*keys.match("Bearer k1") == 0);
  CHECK_FALSE(keys.match("Bearer k3"));
  CHECK(keys.limit_id(0) != keys.limit_id(1));
  CHECK(keys.limit_id(1).rfind("k:", 0) == 0);
  CHECK(keys.limit_id(1).size() == 2 + 24);
  CHECK(keys.limit_id(1).find("k2") == std::string::npos);
  // The id is the key's, not its position's: another instance listing keys in another order agrees.
  const api_keys reordered("k2,k1");
  CHECK(reordered.limit_id(*reordered.match("Bearer k2")) == keys.limit_id(1));
  CHECK_FALSE(api_keys("").match("Bearer k1"));
}
