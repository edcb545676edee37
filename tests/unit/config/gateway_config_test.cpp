#include "config/gateway_config.hpp"
#include "core/error.hpp"
#include "net/descriptor_limit.hpp"

#include <catch2/catch.hpp>

#include "support/config_env.hpp"

#include <map>

using namespace gateway;

namespace {
config_result load(const std::map<std::string, std::string>& vars) { return test::load_config_from(vars); }
}  // namespace

TEST_CASE("config: defaults are the seed's", "[config]") {
  auto r = load({});
  REQUIRE(r.config);
  const auto& c = *r.config;
  CHECK(c.port == 8000);
  CHECK(c.host == "0.0.0.0");
  CHECK(c.max_new_tokens == 300);
  CHECK(c.temperature == Approx(0.6));
  CHECK(c.top_p == Approx(0.85));
  CHECK(c.history_limit == 4);
  CHECK(c.stream_response);
  CHECK(c.request_timeout == std::chrono::seconds(45));
  CHECK(c.upstream_timeout == std::chrono::seconds(30));
  CHECK(c.keepalive_timeout == std::chrono::seconds(10));
  CHECK(c.upstream_pool_size == 64);
  CHECK(c.max_body_bytes == 65536);
  CHECK(c.max_question_chars == 4000);
  CHECK(c.upstream.host == "api.groq.com");
  CHECK(c.upstream.tls);
  CHECK(c.upstream.path_prefix == "/openai/v1");
  CHECK(c.model == "openai/gpt-oss-20b");
  CHECK(c.upstream_max_retries == 2);  // seed v2.1: 2 retries
  CHECK(c.breaker_failures == 5);
  CHECK(c.breaker_cooldown == std::chrono::seconds(10));
  CHECK(c.shutdown_grace == std::chrono::seconds(20));
  CHECK(c.sse_keepalive_interval == std::chrono::seconds(10));
}

TEST_CASE("config: values are parsed", "[config]") {
  auto r = load({{"PORT", "9000"}, {"REQUEST_TIMEOUT", "60"}, {"UPSTREAM_TIMEOUT", "0.25"},
                 {"STREAM_RESPONSE", "off"}, {"GROQ_BASE_URL", "http://localhost:8080/v1/"},
                 {"LOG_LEVEL", "debug"}, {"TEMPERATURE", "0"}, {"THREADS", "3"}});
  REQUIRE(r.config);
  CHECK(r.config->port == 9000);
  CHECK(r.config->request_timeout == std::chrono::seconds(60));
  CHECK(r.config->upstream_timeout == std::chrono::milliseconds(250));
  CHECK_FALSE(r.config->stream_response);
  CHECK_FALSE(r.config->upstream.tls);
  CHECK(r.config->upstream.port == "8080");
  CHECK(r.config->upstream.path_prefix == "/v1");
  CHECK(r.config->upstream.target("/chat/completions") == "/v1/chat/completions");
  CHECK(r.config->log == log_level::debug);
  CHECK(r.config->threads == 3);
}

TEST_CASE("config: an invalid value stops start-up and names the variable", "[config]") {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"PORT", "eighty"},          {"PORT", "70000"},          {"PORT", "-1"},
      {"THREADS", "0"},            {"REQUEST_TIMEOUT", "-5"},  {"REQUEST_TIMEOUT", "601"},
      {"REQUEST_TIMEOUT", "0"},    {"UPSTREAM_TIMEOUT", "abc"}, {"KEEPALIVE_TIMEOUT", "10s"},
      {"TEMPERATURE", "2.5"},      {"TOP_P", "x"},             {"MAX_NEW_TOKENS", "0"},
      {"HISTORY_LIMIT", "1.5"},    {"STREAM_RESPONSE", "maybe"}, {"GROQ_BASE_URL", "ftp://x/y"},
      {"GROQ_BASE_URL", "not a url"}, {"GROQ_BASE_URL", "https://"}, {"GROQ_BASE_URL", "https://h:0/v1"},
      {"GROQ_BASE_URL", "https://user:pw@h/v1"}, {"LOG_LEVEL", "loud"}, {"MAX_BODY_BYTES", ""},
      {"MODEL", ""},               {"UPSTREAM_POOL_SIZE", "1e3"}, {"UPSTREAM_MAX_RETRIES", "11"},
      {"BREAKER_FAILURES", "-1"},  {"BREAKER_COOLDOWN", "0"},  {"SHUTDOWN_GRACE", "x"},
      {"SSE_KEEPALIVE_INTERVAL", "0"},
  };
  for (const auto& [name, value] : bad) {
    INFO(name << "=" << value);
    auto r = load({{name, value}});
    CHECK_FALSE(r.config);
    CHECK(r.error.rfind(name, 0) == 0);
  }
  auto r = load({{"UPSTREAM_TIMEOUT", "50"}});  // longer than the 45 s request deadline
  CHECK_FALSE(r.config);
  CHECK(r.error.find("UPSTREAM_TIMEOUT") != std::string::npos);
}

TEST_CASE("config: help lists every variable, errors never echo the API key", "[config]") {
  const auto help = config_help();
  for (auto name : {"PORT", "HOST", "THREADS", "GROQ_API_KEY", "GROQ_BASE_URL", "GROQ_CA_FILE", "MODEL",
                    "SYSTEM_PROMPT", "MAX_NEW_TOKENS", "TEMPERATURE", "TOP_P", "HISTORY_LIMIT",
                    "STREAM_RESPONSE", "REQUEST_TIMEOUT", "UPSTREAM_TIMEOUT", "KEEPALIVE_TIMEOUT",
                    "UPSTREAM_POOL_SIZE", "MAX_BODY_BYTES", "MAX_QUESTION_CHARS", "LOG_LEVEL"})
    CHECK(help.find(name) != std::string::npos);
  auto r = load({{"GROQ_API_KEY", "gsk_secret"}, {"PORT", "x"}});
  CHECK(r.error.find("gsk_secret") == std::string::npos);
}

// A key is written into the upstream request's Authorization header: one that would break the
// header (or add one) is refused at start, and the error names the variable, not the key.
TEST_CASE("config: Groq keys must be safe in a header", "[config]") {
  for (const char* bad : {"gsk_a\r\nX-Injected: 1", "gsk_a b", "gsk_\tx", "gsk_\xc3\xa7"}) {
    auto one = load({{"GROQ_API_KEY", bad}});
    CHECK_FALSE(one.config);
    CHECK(one.error.find("GROQ_API_KEY must be visible ASCII") != std::string::npos);
    CHECK(one.error.find("gsk_") == std::string::npos);
    auto several = load({{"GROQ_API_KEYS", std::string("gsk_fine,") + bad}});
    CHECK_FALSE(several.config);
    CHECK(several.error.find("GROQ_API_KEYS must be visible ASCII") != std::string::npos);
    CHECK(several.error.find("gsk_") == std::string::npos);
  }
  auto ok = load({{"GROQ_API_KEYS", "gsk_A1-b2_c3.d4~e5+f6/g7=,gsk_second"}});
  REQUIRE(ok.config);
  CHECK(ok.config->groq_api_keys.size() == 2);
}

TEST_CASE("base url: hosts, ports and prefixes", "[config]") {
  std::string why;
  auto u = parse_base_url("https://api.groq.com/openai/v1", why);
  REQUIRE(u);
  CHECK(u->host_header() == "api.groq.com");
  CHECK_FALSE(u->host_is_ip());
  u = parse_base_url("https://127.0.0.1:8443/openai/v1", why);
  REQUIRE(u);
  CHECK(u->host_header() == "127.0.0.1:8443");
  CHECK(u->host_is_ip());
  u = parse_base_url("http://[::1]:8080", why);
  REQUIRE(u);
  CHECK(u->host == "::1");
  CHECK(u->host_header() == "[::1]:8080");
  CHECK(u->path_prefix.empty());
}

TEST_CASE("errors: every cause maps to its public status and code", "[error]") {
  CHECK(to_public(error::invalid_json).status == 400);
  CHECK(to_public(error::payload_too_large).status == 413);
  CHECK(to_public(error::unsupported_media_type).code == "unsupported_media_type");
  CHECK(to_public(error::upstream_auth).status == 502);
  CHECK(to_public(error::rate_limited).status == 429);
  CHECK(to_public(error::upstream_rejected).code == "upstream_rejected");
  CHECK(to_public(error::upstream_tls_failed).code == "upstream_error");
  CHECK(to_public(error::upstream_first_byte_timeout).status == 504);
  CHECK(to_public(error::upstream_idle_timeout).code == "upstream_timeout");
  CHECK(to_public(error::upstream_unavailable).status == 503);
  CHECK(to_public(error::upstream_unavailable).code == "upstream_unavailable");
  std::error_code ec = error::upstream_connect_timeout;
  CHECK(ec.message() == "timed out connecting to upstream");
  CHECK(ec.category().name() == std::string("gateway"));
}

TEST_CASE("config: the shared tier's settings", "[config]") {
  auto r = load({{"REDIS_URL", "redis://:pw@10.0.0.5:6380/1"}, {"REDIS_TIMEOUT", "20"}, {"RATE_LIMIT_RPM", "60"},
                 {"RATE_LIMIT_TPM", "50000"}, {"TRUSTED_PROXIES", "10.0.0.0/8, ::1"}, {"WEB_UI", "false"}});
  REQUIRE(r.config);
  CHECK(r.config->redis->host == "10.0.0.5");
  CHECK(r.config->redis->port == 6380);
  CHECK(r.config->redis->db == 1);
  CHECK(r.config->redis_timeout == std::chrono::milliseconds(20));
  CHECK(r.config->rate_limit_rpm == 60);
  CHECK(r.config->rate_limit_tpm == 50000);
  CHECK(r.config->trusted_proxies.size() == 2);
  CHECK_FALSE(r.config->web_ui);
  CHECK_FALSE(load({}).config->redis);  // unset: a single instance
  CHECK(load({}).config->rate_limit_ipv6_prefix == 64);  // one host's usual share
  CHECK(load({{"RATE_LIMIT_IPV6_PREFIX", "56"}}).config->rate_limit_ipv6_prefix == 56);
  for (const auto* bad : {"0", "129", "x", "-64"}) {
    INFO(bad);
    CHECK(load({{"RATE_LIMIT_IPV6_PREFIX", bad}}).error.rfind("RATE_LIMIT_IPV6_PREFIX", 0) == 0);
  }
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"REDIS_URL", "rediss://h"}, {"REDIS_TIMEOUT", "0"}, {"REDIS_TIMEOUT", "0.5"}, {"RATE_LIMIT_RPM", "-1"},
           {"TRUSTED_PROXIES", "10.0.0.0/40"}, {"WEB_UI", "maybe"}}) {
    INFO(name << "=" << value);
    CHECK(load({{name, value}}).error.rfind(name, 0) == 0);
  }
  // A broken URL is refused without echoing it: it may hold the password.
  const auto bad = load({{"REDIS_URL", "redis://:hunter2@h:99999"}});
  CHECK_FALSE(bad.config);
  CHECK(bad.error.find("hunter2") == std::string::npos);
  // Token limits are counted from the answers the cache collects.
  CHECK(load({{"RATE_LIMIT_TPM", "100"}, {"CACHE_ENABLED", "false"}}).error.find("RATE_LIMIT_TPM") != std::string::npos);
}

TEST_CASE("config: connection and in-flight body budgets", "[config]") {
  auto d = load({});
  REQUIRE(d.config);
  CHECK(d.config->max_connections == 0);  // derived from the descriptor limit at start
  CHECK(d.config->max_connections_per_client == 256);
  CHECK(d.config->connection_rate_per_client == 200);
  CHECK(d.config->max_inflight_request_bytes == 64 * 1024 * 1024);  // charged as bytes arrive: on

  auto r = load({{"MAX_CONNECTIONS", "500"}, {"MAX_CONNECTIONS_PER_CLIENT", "0"}, {"MAX_INFLIGHT_REQUEST_BYTES", "0"},
                 {"CONNECTION_RATE_PER_CLIENT", "0"}});
  REQUIRE(r.config);
  CHECK(r.config->max_connections == 500);
  CHECK(r.config->max_connections_per_client == 0);
  CHECK(r.config->max_inflight_request_bytes == 0);
  CHECK(r.config->connection_rate_per_client == 0);

  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"MAX_CONNECTIONS", "0"}, {"MAX_CONNECTIONS", "x"}, {"MAX_CONNECTIONS_PER_CLIENT", "-1"},
           {"MAX_INFLIGHT_REQUEST_BYTES", "1MiB"}, {"CONNECTION_RATE_PER_CLIENT", "-5"},
           {"CONNECTION_RATE_PER_CLIENT", "fast"}}) {
    INFO(name << "=" << value);
    auto bad = load({{name, value}});
    CHECK_FALSE(bad.config);
    CHECK(bad.error.rfind(name, 0) == 0);
  }
  // A body MAX_BODY_BYTES allows must fit the budget.
  auto small = load({{"MAX_BODY_BYTES", "65536"}, {"MAX_INFLIGHT_REQUEST_BYTES", "1000"}});
  CHECK_FALSE(small.config);
  CHECK(small.error.find("MAX_INFLIGHT_REQUEST_BYTES") != std::string::npos);

  const auto help = config_help();
  for (auto name : {"MAX_CONNECTIONS", "MAX_CONNECTIONS_PER_CLIENT", "MAX_INFLIGHT_REQUEST_BYTES",
                    "CONNECTION_RATE_PER_CLIENT"})
    CHECK(help.find(name) != std::string::npos);
}

TEST_CASE("descriptor limit: the default connection cap leaves room for upstream sockets", "[config]") {
  // 20,000 descriptors, a pool of 64: (20,000 - 64 - 64) / 2.
  CHECK(connections_for_descriptors(20'000, 64) == 9'936);
  CHECK(connections_for_descriptors(1'024, 64) == 448);
  CHECK(connections_for_descriptors(100, 64) == 1);  // never 0: the gateway still serves
  CHECK(connections_for_descriptors(static_cast<std::size_t>(-1), 64) == ((1u << 20) - 128) / 2);
  CHECK(descriptor_limit() >= 1);
}

TEST_CASE("config: PII_PROTECTION and PII_KINDS", "[config][pii]") {
  auto defaults = load({});
  REQUIRE(defaults.config);
  CHECK(defaults.config->pii.enabled);
  CHECK(defaults.config->pii.kinds == pii_kinds::all());
  auto off = load({{"PII_PROTECTION", "off"}, {"PII_KINDS", "iban, tckn"}});
  REQUIRE(off.config);
  CHECK_FALSE(off.config->pii.active());
  CHECK(off.config->pii.kinds.has(pii_kind::iban));
  CHECK_FALSE(off.config->pii.kinds.has(pii_kind::email));
  auto bad = load({{"PII_KINDS", "iban,passport"}});
  CHECK_FALSE(bad.config);
  CHECK(bad.error.find("PII_KINDS") != std::string::npos);
  const auto help = config_help();
  for (auto name : {"PII_PROTECTION", "PII_KINDS"}) CHECK(help.find(name) != std::string::npos);
}
