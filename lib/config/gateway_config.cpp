#include "config/gateway_config.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <thread>
#include <vector>

namespace gateway {
namespace {

// Each parser returns an empty string on success, otherwise what is wrong with the value.
std::string parse_uint(std::string_view text, unsigned long long min, unsigned long long max,
                       unsigned long long& out) {
  unsigned long long v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size())
    return "must be a whole number";
  if (v < min || v > max) return fmt::format("must be between {} and {}", min, max);
  out = v;
  return {};
}

std::string parse_double(std::string_view text, double min, double max, double& out) {
  // from_chars for double is in GCC 12's libstdc++; it accepts no leading '+' or spaces.
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || !std::isfinite(v))
    return "must be a number";
  if (v < min || v > max) return fmt::format("must be between {} and {}", min, max);
  out = v;
  return {};
}

// Durations are given in seconds, fractions allowed ("0.5"); zero and negatives are rejected
// because every network operation must keep a deadline.
std::string parse_seconds(std::string_view text, double max_seconds, std::chrono::milliseconds& out) {
  double v = 0;
  if (auto why = parse_double(text, 0, max_seconds, v); !why.empty()) return "must be seconds: " + why;
  const auto ms = std::chrono::milliseconds(static_cast<long long>(std::llround(v * 1000)));
  if (ms.count() <= 0) return "must be greater than 0";
  out = ms;
  return {};
}

// "a, b,c" -> {"a", "b", "c"}: entries trimmed; nullopt when one is empty.
std::optional<std::vector<std::string>> comma_list(std::string_view text) {
  std::vector<std::string> out;
  for (;;) {
    const auto comma = text.find(',');
    auto item = text.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.empty()) return std::nullopt;
    out.emplace_back(item);
    if (comma == std::string_view::npos) return out;
    text.remove_prefix(comma + 1);
  }
}

// An OTLP endpoint: an absolute http(s) URL.
std::string otel_url(std::string_view text, std::string& out) {
  std::string why;
  if (!parse_base_url(text, why)) return "must be an http:// or https:// URL: " + why;
  out = std::string(text);
  return {};
}

std::string otel_protocol(std::string_view text) {
  if (text == "http/json") return {};
  return "must be http/json (the gateway writes OTLP's JSON encoding; http/protobuf and grpc are not offered)";
}

std::string otel_millis(std::string_view text, std::chrono::milliseconds& out) {
  unsigned long long ms = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (ec != std::errc() || end != text.data() + text.size() || ms == 0 || ms > 600'000)
    return "must be milliseconds, 1 to 600000";
  out = std::chrono::milliseconds(ms);
  return {};
}

// Header names are HTTP tokens; the values were checked for control characters already.
std::string otel_headers(std::string_view text, std::vector<std::pair<std::string, std::string>>& out) {
  auto pairs = parse_otel_pairs(text);
  if (!pairs) return "must be key=value pairs separated by commas";
  for (const auto& [name, value] : *pairs)
    for (const unsigned char c : name)
      if (!(std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos))
        return "must name headers by HTTP tokens";
  out.insert(out.end(), pairs->begin(), pairs->end());
  return {};
}

std::string parse_bool(std::string_view text, bool& out) {
  std::string lower(text);
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "1" || lower == "true" || lower == "yes" || lower == "on") {
    out = true;
    return {};
  }
  if (lower == "0" || lower == "false" || lower == "no" || lower == "off") {
    out = false;
    return {};
  }
  return "must be true or false";
}

// A Groq key goes into the upstream request's Authorization header as it is: a space, a control
// character (CR, LF) or a non-ASCII byte there would be a broken or injected header. Keys are
// visible ASCII (Groq's are "gsk_" and letters and digits).
bool header_safe_key(std::string_view key) {
  for (const char c : key)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}
constexpr std::string_view unsafe_key = "must be visible ASCII characters (no spaces, no line breaks)";

struct variable {
  std::string_view name;
  std::string_view default_text;
  std::string_view help;
  std::string (*apply)(gateway_config&, std::string_view);
};

template <class T>
std::string assign_uint(T& field, std::string_view v, unsigned long long min, unsigned long long max) {
  unsigned long long out = 0;
  auto why = parse_uint(v, min, max, out);
  if (why.empty()) field = static_cast<T>(out);
  return why;
}

const std::vector<variable>& variables() {
  static const std::vector<variable> table = {
      {"HOST", "0.0.0.0", "address to listen on",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v.empty()) return "must not be empty";
         c.host = std::string(v);
         return {};
       }},
      {"PORT", "8000", "port to listen on (0 = any free port)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.port, v, 0, 65535); }},
      {"THREADS", "number of cores", "threads running the io_context",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.threads, v, 1, 1024); }},
      {"GROQ_API_KEY", "(unset)", "Groq API key, sent upstream as a Bearer token (visible ASCII); never logged",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (!header_safe_key(v)) return std::string(unsafe_key);
         c.groq_api_key = std::string(v);
         return {};
       }},
      {"GROQ_API_KEYS", "(unset)", "comma-separated Groq keys, each a route of its own (with GROQ_API_KEY: not both); never logged",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v.empty()) return {};  // as unset (compose passes unset variables as empty)
         auto keys = comma_list(v);
         if (!keys) return "must be keys separated by commas, none empty";
         for (const auto& k : *keys)
           if (!header_safe_key(k)) return std::string(unsafe_key);
         c.groq_api_keys = std::move(*keys);
         return {};
       }},
      {"GATEWAY_API_KEYS", "(unset: open)", "comma-separated client keys required as 'Authorization: Bearer KEY'; never logged",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.gateway_api_keys = std::string(v);
         return {};
       }},
      {"GROQ_BASE_URL", "https://api.groq.com/openai/v1", "OpenAI-compatible upstream base URL (http or https)",
       [](gateway_config& c, std::string_view v) -> std::string {
         std::string why;
         auto url = parse_base_url(v, why);
         if (!url) return why;
         c.upstream = std::move(*url);
         return {};
       }},
      {"GROQ_CA_FILE", "(unset)", "extra PEM CA bundle trusted for the upstream, besides the system store",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.groq_ca_file = std::string(v);
         return {};
       }},
      {"MODEL", "openai/gpt-oss-20b", "upstream model",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v.empty()) return "must not be empty";
         c.model = std::string(v);
         return {};
       }},
      {"FALLBACK_MODELS", "(none)", "comma-separated models tried in order after MODEL when its keys are spent or failing",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v.empty()) return {};
         auto models = comma_list(v);
         if (!models) return "must be model names separated by commas, none empty";
         c.fallback_models = std::move(*models);
         return {};
       }},
      {"CACHE_FALLBACK_ANSWERS", "true", "cache an answer a fallback model gave under the request's key",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.cache_fallback_answers); }},
      {"QUEUE_TIMEOUT", "0", "seconds a request may wait for a rate-limit reset when every route is spent (0: 429 at once)",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.queue_timeout); }},
      {"SYSTEM_PROMPT", "(a Turkish finance-assistant prompt)", "system message sent first",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.system_prompt = std::string(v);
         return {};
       }},
      {"MAX_NEW_TOKENS", "300", "max_completion_tokens sent upstream",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.max_new_tokens, v, 1, 131072); }},
      {"TEMPERATURE", "0.6", "sampling temperature (0 to 2)",
       [](gateway_config& c, std::string_view v) { return parse_double(v, 0, 2, c.temperature); }},
      {"TOP_P", "0.85", "nucleus sampling (0 to 1)",
       [](gateway_config& c, std::string_view v) { return parse_double(v, 0, 1, c.top_p); }},
      {"REASONING_EFFORT", "auto", "auto (low for gpt-oss models), empty to omit, or low|medium|high",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.reasoning_effort = std::string(v);
         return {};
       }},
      {"HISTORY_LIMIT", "4", "previous messages kept from the client's history",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.history_limit, v, 0, 100); }},
      {"STREAM_RESPONSE", "true", "allow Server-Sent Events replies",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.stream_response); }},
      {"REQUEST_TIMEOUT", "45", "seconds for the whole request (at most 600)",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.request_timeout); }},
      {"UPSTREAM_TIMEOUT", "30", "seconds to the upstream's first byte",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.upstream_timeout); }},
      {"UPSTREAM_CONNECT_TIMEOUT", "5", "seconds for upstream TCP connect plus TLS handshake",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.upstream_connect_timeout); }},
      {"STREAM_IDLE_TIMEOUT", "15", "seconds of silence allowed between two upstream stream chunks",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.stream_idle_timeout); }},
      {"KEEPALIVE_TIMEOUT", "10", "seconds an idle client connection is kept open",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 3600, c.keepalive_timeout); }},
      {"CLIENT_HEADER_TIMEOUT", "10", "seconds for a client to send its request",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.client_header_timeout); }},
      {"CLIENT_WRITE_TIMEOUT", "30", "seconds allowed for each write to a client",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.client_write_timeout); }},
      {"UPSTREAM_POOL_SIZE", "64", "idle upstream connections kept for reuse",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.upstream_pool_size, v, 0, 100000); }},
      {"UPSTREAM_MAX_RETRIES", "2", "retries of a failed upstream attempt (before anything reached the client)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.upstream_max_retries, v, 0, 10); }},
      {"BREAKER_FAILURES", "5", "consecutive upstream failures that open the circuit breaker (0: off)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.breaker_failures, v, 0, 1'000'000); }},
      {"BREAKER_COOLDOWN", "10", "seconds the open breaker fails fast before one probe goes through",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 3600, c.breaker_cooldown); }},
      {"SHUTDOWN_GRACE", "20", "seconds requests in flight may take to finish after SIGTERM",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 3600, c.shutdown_grace); }},
      {"SSE_KEEPALIVE_INTERVAL", "10", "seconds of upstream silence after which a stream gets a ': keep-alive' comment",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 600, c.sse_keepalive_interval); }},
      {"MAX_BODY_BYTES", "65536", "largest accepted request body in bytes",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.max_body_bytes, v, 64, 64ull << 20); }},
      {"MAX_CONNECTIONS", "(descriptor limit - UPSTREAM_POOL_SIZE - 64) / 2",
       "client connections open at once; past it a new connection gets a 503 and is closed",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.max_connections, v, 1, 10'000'000); }},
      {"MAX_CONNECTIONS_PER_CLIENT", "256",
       "connections open at once from one client address (IPv6: its RATE_LIMIT_IPV6_PREFIX network); 0: no cap",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.max_connections_per_client, v, 0, 10'000'000); }},
      {"CONNECTION_RATE_PER_CLIENT", "200",
       "new connections a second from one client address (a second's worth at once); past it 503 at accept; 0: no rate",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.connection_rate_per_client, v, 0, 10'000'000); }},
      {"MAX_INFLIGHT_REQUEST_BYTES", "67108864",
       "request body bytes held at once over all connections, as they arrive; past it 503 (0: no budget)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.max_inflight_request_bytes, v, 0, 1ull << 40); }},
      {"MAX_QUESTION_CHARS", "4000", "longest accepted question in characters",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.max_question_chars, v, 1, 1'000'000); }},
      {"CACHE_ENABLED", "true", "serve repeated questions from the response cache",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.cache_enabled); }},
      {"PII_PROTECTION", "on",
       "replace personal data (TCKN, IBAN, card, mobile number, e-mail) with placeholders before the cache, Redis, the logs and Groq see a request; restored in the answer",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.pii.enabled); }},
      {"PII_KINDS", "tckn,iban,card,phone,email", "which kinds PII_PROTECTION looks for (comma-separated, or all)",
       [](gateway_config& c, std::string_view v) -> std::string {
         const auto kinds = parse_pii_kinds(v);
         if (!kinds) return "must be a comma-separated list of tckn, iban, card, phone, email (or all)";
         c.pii.kinds = *kinds;
         return {};
       }},
      {"CACHE_TTL", "300", "seconds a cached answer stays valid",
       [](gateway_config& c, std::string_view v) { return parse_seconds(v, 30 * 86400, c.cache_ttl); }},
      {"CACHE_MAX_ENTRIES", "100", "most answers kept in the cache",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.cache_max_entries, v, 1, 100'000'000); }},
      {"CACHE_MAX_BYTES", "67108864", "most bytes of answers kept in the cache",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.cache_max_bytes, v, 1024, 1ull << 40); }},
      {"CACHE_SHARDS", "4 per thread", "cache shards (rounded down to a power of two)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.cache_shards, v, 1, 4096); }},
      {"REDIS_URL", "(unset: single instance)", "redis://[:PASSWORD@]HOST[:PORT][/DB] or unix:PATH: answers and rate limits shared by every instance; the password is never logged",
       [](gateway_config& c, std::string_view v) -> std::string {
         std::string why;
         c.redis = redis::parse_redis_url(v, why);
         return c.redis ? std::string() : why;
       }},
      {"REDIS_TIMEOUT", "50", "milliseconds any Redis command may take before the request goes on without it (1 to 10000)",
       [](gateway_config& c, std::string_view v) -> std::string {
         unsigned long long ms = 0;
         if (auto why = parse_uint(v, 1, 10'000, ms); !why.empty()) return why;
         c.redis_timeout = std::chrono::milliseconds(ms);
         return {};
       }},
      {"RATE_LIMIT_RPM", "0", "requests per minute per client, shared through Redis (0: no limit)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.rate_limit_rpm, v, 0, 10'000'000); }},
      {"RATE_LIMIT_TPM", "0", "completion tokens per minute per client, shared through Redis (0: no limit)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.rate_limit_tpm, v, 0, 1'000'000'000); }},
      {"TRUSTED_PROXIES", "(none)", "comma-separated addresses or CIDRs of proxies whose X-Forwarded-For names the client",
       [](gateway_config& c, std::string_view v) -> std::string {
         std::string why;
         auto ranges = parse_address_ranges(v, why);
         if (!ranges) return why;
         c.trusted_proxies = std::move(*ranges);
         return {};
       }},
      {"RATE_LIMIT_IPV6_PREFIX", "64", "IPv6 clients are limited per network of this prefix length, in bits (1 to 128; 128: per address)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.rate_limit_ipv6_prefix, v, 1, 128); }},
      {"CACHE_MATCH", "similar", "similar: /chat questions that ask the same in other words share an answer; exact: only the same text",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v == "similar") c.cache_match_similar = true;
         else if (v == "exact") c.cache_match_similar = false;
         else return "must be similar or exact";
         return {};
       }},
      {"LOG_FORMAT", "text", "log lines on stderr as text or json",
       [](gateway_config& c, std::string_view v) -> std::string {
         auto f = parse_log_format(v);
         if (!f) return "must be text or json";
         c.log_fmt = *f;
         return {};
       }},
      {"WEB_UI", "true", "serve the chat page at / (its files embedded in the binary)",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.web_ui); }},
      {"ACCESS_LOG", "true", "one JSON line per request on stdout",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.access_log); }},
      {"LOG_LEVEL", "info", "debug, info, warn, error or off",
       [](gateway_config& c, std::string_view v) -> std::string {
         auto level = parse_log_level(v);
         if (!level) return "must be debug, info, warn, error or off";
         c.log = *level;
         return {};
       }},
      {"OTEL_EXPORTER_OTLP_ENDPOINT", "(unset: no traces)",
       "OTLP/HTTP collector base URL (http or https); spans go to its /v1/traces as JSON",
       [](gateway_config& c, std::string_view v) { return otel_url(v, c.otel.endpoint); }},
      {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "(unset)", "full URL spans are posted to (over OTEL_EXPORTER_OTLP_ENDPOINT)",
       [](gateway_config& c, std::string_view v) { return otel_url(v, c.otel.traces_endpoint); }},
      {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json", "only http/json: the gateway writes OTLP's JSON encoding",
       [](gateway_config&, std::string_view v) { return otel_protocol(v); }},
      {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json", "as OTEL_EXPORTER_OTLP_PROTOCOL, for traces",
       [](gateway_config&, std::string_view v) { return otel_protocol(v); }},
      {"OTEL_EXPORTER_OTLP_HEADERS", "(none)", "key=value,... headers of every export (values percent-encoded)",
       [](gateway_config& c, std::string_view v) { return otel_headers(v, c.otel.headers); }},
      {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "(none)", "more headers for the traces export",
       [](gateway_config& c, std::string_view v) { return otel_headers(v, c.otel.headers); }},
      {"OTEL_EXPORTER_OTLP_TIMEOUT", "10000", "milliseconds an export may take",
       [](gateway_config& c, std::string_view v) { return otel_millis(v, c.otel.timeout); }},
      {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10000", "as OTEL_EXPORTER_OTLP_TIMEOUT, for traces",
       [](gateway_config& c, std::string_view v) { return otel_millis(v, c.otel.timeout); }},
      {"OTEL_EXPORTER_OTLP_CERTIFICATE", "(system CAs)", "PEM file of CAs trusted for an https collector, beside the system's",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.otel.ca_file = std::string(v);
         return {};
       }},
      {"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "(system CAs)", "as OTEL_EXPORTER_OTLP_CERTIFICATE, for traces",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.otel.ca_file = std::string(v);
         return {};
       }},
      {"OTEL_SERVICE_NAME", "chat-gateway", "the service.name of every span",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v.empty()) return "must not be empty";
         c.otel.service_name = std::string(v);
         return {};
       }},
      {"OTEL_RESOURCE_ATTRIBUTES", "(none)", "key=value,... attributes of every span's resource",
       [](gateway_config& c, std::string_view v) -> std::string {
         auto pairs = parse_otel_pairs(v);
         if (!pairs) return "must be key=value pairs separated by commas";
         c.otel.resource = std::move(*pairs);
         return {};
       }},
      {"OTEL_TRACES_SAMPLER", "parentbased_always_on",
       "always_on, always_off, traceidratio, or parentbased_ before one of them (a client's sampled flag decides)",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.otel.sampler_name = std::string(v);
         return {};
       }},
      {"OTEL_TRACES_SAMPLER_ARG", "1.0", "traceidratio's share of traces recorded, 0 to 1",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.otel.sampler_arg = std::string(v);
         return {};
       }},
      {"OTEL_TRACES_EXPORTER", "otlp", "otlp, or none (no export)",
       [](gateway_config& c, std::string_view v) -> std::string {
         if (v != "otlp" && v != "none") return "must be otlp or none";
         c.otel.exporter_none = v == "none";
         return {};
       }},
      {"OTEL_SDK_DISABLED", "false", "true: no traces at all",
       [](gateway_config& c, std::string_view v) { return parse_bool(v, c.otel.sdk_disabled); }},
      {"OTEL_BSP_SCHEDULE_DELAY", "5000", "milliseconds between two exports",
       [](gateway_config& c, std::string_view v) { return otel_millis(v, c.otel.schedule_delay); }},
      {"OTEL_BSP_MAX_QUEUE_SIZE", "2048", "spans waiting for export at most; past it spans are dropped (counted)",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.otel.max_queue, v, 1, 1'000'000); }},
      {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512", "spans in one export at most",
       [](gateway_config& c, std::string_view v) { return assign_uint(c.otel.max_batch, v, 1, 1'000'000); }},
      {"CONFIG_FILE", "(unset)",
       "file of NAME=VALUE lines read over the environment at start; SIGHUP re-reads it and "
       "applies the settings marked [live]",
       [](gateway_config& c, std::string_view v) -> std::string {
         c.config_file = std::string(v);
         return {};
       }},
  };
  return table;
}

}  // namespace

env_lookup process_env() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());  // start-up only, single-threaded
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

config_result load_config(const env_lookup& env) {
  gateway_config cfg;
  for (const auto& var : variables()) {
    auto value = env(var.name);
    if (!value) continue;
    if (auto why = var.apply(cfg, *value); !why.empty()) {
      // The value itself is echoed only for non-secret variables.
      return {std::nullopt, is_secret_setting(var.name) ? fmt::format("{} {}", var.name, why)
                                   : fmt::format("{}={:?} {}", var.name, *value, why)};
    }
  }
  // Tokens are counted from the answers the relay collects for the cache.
  if (cfg.rate_limit_tpm && !cfg.cache_enabled)
    return {std::nullopt, "RATE_LIMIT_TPM needs CACHE_ENABLED=true (the answers' token counts come with them)"};
  if (cfg.upstream_timeout > cfg.request_timeout)
    return {std::nullopt, "UPSTREAM_TIMEOUT must not exceed REQUEST_TIMEOUT"};
  if (cfg.queue_timeout > cfg.request_timeout) return {std::nullopt, "QUEUE_TIMEOUT must not exceed REQUEST_TIMEOUT"};
  // A body the limit allows must fit the budget, or every such request would be refused.
  if (cfg.max_inflight_request_bytes && cfg.max_inflight_request_bytes < cfg.max_body_bytes)
    return {std::nullopt, "MAX_INFLIGHT_REQUEST_BYTES (default 67108864) must be 0 or at least MAX_BODY_BYTES"};
  if (auto why = parse_sampler(cfg.otel.sampler_name, cfg.otel.sampler_arg, cfg.otel.sampler); !why.empty())
    return {std::nullopt, why};
  if (cfg.otel.max_batch > cfg.otel.max_queue)
    return {std::nullopt, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE must not exceed OTEL_BSP_MAX_QUEUE_SIZE"};
  if (!cfg.groq_api_key.empty() && !cfg.groq_api_keys.empty())
    return {std::nullopt, "GROQ_API_KEY and GROQ_API_KEYS are both set: use one (GROQ_API_KEYS takes several keys)"};
  return {std::move(cfg), {}};
}

const std::vector<std::string_view>& setting_names() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> out;
    for (const auto& var : variables()) out.push_back(var.name);
    return out;
  }();
  return names;
}

bool is_live_setting(std::string_view name) {
  return name == "GROQ_API_KEY" || name == "GROQ_API_KEYS" || name == "GATEWAY_API_KEYS" ||
         name == "FALLBACK_MODELS" || name == "RATE_LIMIT_RPM" || name == "RATE_LIMIT_TPM" ||
         name == "LOG_LEVEL";
}

bool is_secret_setting(std::string_view name) {
  // A collector's headers usually carry its credentials.
  return name == "GROQ_API_KEY" || name == "GROQ_API_KEYS" || name == "GATEWAY_API_KEYS" ||
         name == "REDIS_URL" || name == "OTEL_EXPORTER_OTLP_HEADERS" || name == "OTEL_EXPORTER_OTLP_TRACES_HEADERS";
}

std::vector<std::string> groq_keys(const gateway_config& cfg) {
  if (!cfg.groq_api_keys.empty()) return cfg.groq_api_keys;
  if (!cfg.groq_api_key.empty()) return {cfg.groq_api_key};
  return {};
}

std::vector<std::string> route_models(const gateway_config& cfg) {
  std::vector<std::string> out{cfg.model};
  out.insert(out.end(), cfg.fallback_models.begin(), cfg.fallback_models.end());
  return out;
}

unsigned io_threads(const gateway_config& cfg) {
  return cfg.threads ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
}

std::string config_help() {
  std::string out =
      "chat-gateway: a streaming chat gateway in front of Groq's OpenAI-compatible API.\n\n"
      "  chat-gateway                 serve (until SIGTERM/SIGINT, which drains for "
      "SHUTDOWN_GRACE;\n"
      "                               SIGHUP re-reads CONFIG_FILE and applies the settings "
      "marked [live])\n"
      "  chat-gateway --health-check  exit 0 when the gateway on PORT answers GET /healthz, else 1\n"
      "  chat-gateway --help          this text\n\n"
      "All settings come from environment variables (and CONFIG_FILE's lines over them):\n\n";
  for (const auto& var : variables())
    out += fmt::format("  {:<26} {}{} (default: {})\n", var.name,
                       is_live_setting(var.name) ? "[live] " : "", var.help, var.default_text);
  return out;
}

}  // namespace gateway
