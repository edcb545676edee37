// The gateway's settings: one plain struct with the defaults in it, filled at start-up from the
// environment (and CONFIG_FILE over it). Every knob the seed (v2.1 of the Python service) named is
// here with its default. A few are live: SIGHUP re-reads them (config/config_reload.hpp).
#pragma once

#include "config/otel_settings.hpp"
#include "core/logger.hpp"
#include "net/client_address.hpp"
#include "pii/pii_kind.hpp"
#include "redis/redis_address.hpp"
#include "transport/base_url.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway {


inline constexpr std::string_view default_system_prompt =
    "Sen Borsa İstanbul ve Türkiye finans piyasaları hakkında soruları yanıtlayan dikkatli bir "
    "finans asistanısın. Kısa, doğru ve anlaşılır Türkçe yanıtlar ver. Emin olmadığın bilgiyi "
    "uydurma. Yatırım tavsiyesi verme; gerektiğinde lisanslı bir yatırım danışmanına "
    "başvurulmasını öner.";

struct gateway_config {
  /// Address and port the HTTP listener binds to. Port 0 picks a free port (tests).
  std::string host = "0.0.0.0";
  unsigned short port = 8000;
  /// Threads running the single io_context; 0 means one per core.
  unsigned threads = 0;

  /// Groq credentials and endpoint. A key is sent upstream as a Bearer token and never logged.
  /// GROQ_API_KEY is the one-key form of GROQ_API_KEYS; when both are set here, the list wins.
  std::string groq_api_key;
  std::vector<std::string> groq_api_keys;
  /// The gateway's own client keys, comma-separated; when set, /chat and /v1 require one as
  /// "Authorization: Bearer KEY". Unset: the API is open (for trusted networks only). Never logged.
  std::string gateway_api_keys;
  base_url upstream{true, "api.groq.com", "443", "/openai/v1"};
  /// Extra CA bundle (PEM) trusted in addition to the system store, e.g. groq-sim's certificate.
  std::string groq_ca_file;

  /// Model parameters sent upstream (seed v2.1: 300 tokens, temperature 0.6, top_p 0.85).
  std::string model = "openai/gpt-oss-20b";
  /// FALLBACK_MODELS: tried in order after MODEL when every key of MODEL is spent or failing.
  std::vector<std::string> fallback_models;
  /// CACHE_FALLBACK_ANSWERS: whether an answer a fallback model gave is cached under the request's
  /// key (it is an answer to the same question; off keeps the cache to MODEL's answers).
  bool cache_fallback_answers = true;
  /// QUEUE_TIMEOUT: when every route is spent, how long a request may wait for the earliest reset
  /// (0: answer 429 at once).
  std::chrono::milliseconds queue_timeout{0};
  std::string system_prompt{default_system_prompt};
  unsigned max_new_tokens = 300;
  double temperature = 0.6;
  double top_p = 0.85;
  /// "auto" sends reasoning_effort=low to gpt-oss models (so reasoning does not eat the token
  /// budget) and nothing to other models; "" never sends it; any other value is sent as is.
  std::string reasoning_effort = "auto";
  /// Previous messages kept from the client's history (seed v2.1: 4).
  unsigned history_limit = 4;
  /// When false, `"stream": true` requests get the JSON reply.
  bool stream_response = true;

  /// Deadline for the whole request (seed v2.1: 45 s; at most 600 s).
  std::chrono::milliseconds request_timeout{45'000};
  /// Deadline for the upstream's first response byte (seed v2.1 client timeout: 30 s).
  std::chrono::milliseconds upstream_timeout{30'000};
  /// Deadline for TCP connect plus TLS handshake to the upstream.
  std::chrono::milliseconds upstream_connect_timeout{5'000};
  /// Longest silence allowed between two chunks of an upstream stream.
  std::chrono::milliseconds stream_idle_timeout{15'000};
  /// How long an idle keep-alive client connection is kept (seed v2.1: 10 s).
  std::chrono::milliseconds keepalive_timeout{10'000};
  /// Deadline for a client to send a whole request header once it started one.
  std::chrono::milliseconds client_header_timeout{10'000};
  /// Deadline for each write to a client.
  std::chrono::milliseconds client_write_timeout{30'000};

  /// Idle upstream connections kept for reuse.
  unsigned upstream_pool_size = 64;
  /// Retries of a failed upstream attempt (seed v2.1: 2, i.e. 3 attempts), before any byte reached
  /// the client, with exponential backoff or the upstream's Retry-After.
  unsigned upstream_max_retries = 2;
  /// Consecutive upstream failures that open the circuit breaker (0: never), and how long it then
  /// fails fast before letting one probe through.
  unsigned breaker_failures = 5;
  std::chrono::milliseconds breaker_cooldown{10'000};
  /// On SIGTERM/SIGINT: how long requests in flight may take to finish before they are cut.
  std::chrono::milliseconds shutdown_grace{20'000};
  /// An SSE comment is sent on a stream after this much upstream silence, so that proxies
  /// (nginx: 60 s proxy_read_timeout) do not cut a slow answer.
  std::chrono::milliseconds sse_keepalive_interval{10'000};
  /// Largest accepted request body; larger is 413.
  std::size_t max_body_bytes = 64 * 1024;
  /// MAX_CONNECTIONS: client connections open at once; past it a new one gets a 503 and is closed.
  /// 0: derived from the descriptor limit at start (connections_for_descriptors, lib/net).
  std::size_t max_connections = 0;
  /// MAX_CONNECTIONS_PER_CLIENT: connections open at once from one peer address (an IPv6 peer
  /// counts as its RATE_LIMIT_IPV6_PREFIX network); the socket's peer, never X-Forwarded-For.
  /// 0: no cap (behind a proxy every connection comes from the proxy).
  std::size_t max_connections_per_client = 256;
  /// CONNECTION_RATE_PER_CLIENT: new connections a second from one peer address (grouped as for
  /// MAX_CONNECTIONS_PER_CLIENT), a second's worth at once; past it a new connection gets a 503
  /// and is closed before anything is read from it. Bounds what one address can make the gateway
  /// accept and read with short connections, which the open-connection caps do not. 0: no rate.
  std::size_t connection_rate_per_client = 200;
  /// MAX_INFLIGHT_REQUEST_BYTES: request body bytes held in memory at once over every connection,
  /// charged as each body's buffer grows with bytes that arrived (a header's promise costs
  /// nothing); a request whose next body bytes would pass it gets a 503. 0: no budget. The default,
  /// 1,024 bodies of the default MAX_BODY_BYTES, bounds what bodies add to RSS (docs/security.md).
  std::size_t max_inflight_request_bytes = 64 * 1024 * 1024;
  /// Longest accepted question, in Unicode code points.
  std::size_t max_question_chars = 4000;

  /// Response cache (seed v2.1: 5 minutes, 100 entries, in memory).
  bool cache_enabled = true;
  std::chrono::milliseconds cache_ttl{300'000};
  std::size_t cache_max_entries = 100;
  std::size_t cache_max_bytes = 64 << 20;
  /// Cache shards, rounded down to a power of two; 0 picks four per io thread.
  unsigned cache_shards = 0;
  /// PII_PROTECTION and PII_KINDS: personal data in requests (T.C. kimlik no, IBAN, card and mobile
  /// numbers, e-mail addresses) replaced by placeholders before the cache key, the upstream body,
  /// Redis and the logs see the request, and restored in each client's answer (lib/pii).
  pii_settings pii;
  /// OTEL_*: OpenTelemetry traces exported by OTLP/HTTP (lib/telemetry); off without an endpoint.
  otel_settings otel;

  /// CACHE_MATCH: true (similar) - /chat questions that ask the same thing in other words share
  /// one entry (lib/match); false (exact) - only the same text, case and spacing aside.
  bool cache_match_similar = true;

  /// REDIS_URL: the shared tier of several instances (answers, limits); unset: this process alone.
  std::optional<redis::redis_address> redis;
  /// REDIS_TIMEOUT: the longest any Redis command may take before the request goes on without it.
  std::chrono::milliseconds redis_timeout{50};
  /// RATE_LIMIT_RPM / RATE_LIMIT_TPM: requests and completion tokens per minute per client (the
  /// gateway key, else the client address); 0: no limit.
  unsigned rate_limit_rpm = 0;
  unsigned rate_limit_tpm = 0;
  /// TRUSTED_PROXIES: peers whose X-Forwarded-For names the client (addresses or CIDRs).
  std::vector<address_range> trusted_proxies;
  /// RATE_LIMIT_IPV6_PREFIX: IPv6 clients are limited by their first this many bits (one host
  /// commonly owns a whole /64, so a limit per address is a limit per host's whim).
  unsigned rate_limit_ipv6_prefix = 64;

  log_level log = log_level::info;
  /// CONFIG_FILE: KEY=VALUE lines read over the environment at start, and again on SIGHUP for the
  /// live settings (docs/operations.md, "Live reload"). Empty: none.
  std::string config_file;
  /// Format of the log lines on stderr.
  log_format log_fmt = log_format::text;
  /// One JSON line per request on stdout.
  bool access_log = true;
  /// WEB_UI: the Turkish chat page at / (and its files under /assets/).
  bool web_ui = true;

  bool operator==(const gateway_config&) const = default;
};

/// Reads a variable; returns nullopt when it is unset. Injected so tests need no real environment.
using env_lookup = std::function<std::optional<std::string>(std::string_view name)>;

/// The process environment.
env_lookup process_env();

struct config_result {
  std::optional<gateway_config> config;
  std::string error;  // names the variable and what is wrong with it
};

/// Builds the config from the environment; any invalid value is an error, never a silent default.
config_result load_config(const env_lookup& env);

/// Every setting's name, in the order of --help.
const std::vector<std::string_view>& setting_names();
/// Whether SIGHUP applies a new value of the setting to a running gateway (the Groq keys, the
/// client keys, the rate limits, the fallback models, the log level); the others need a restart.
bool is_live_setting(std::string_view name);
/// Whether the setting's value is a secret: never echoed in an error, a log line or a metric.
bool is_secret_setting(std::string_view name);

/// The Groq keys in order: GROQ_API_KEYS, else GROQ_API_KEY, else none.
std::vector<std::string> groq_keys(const gateway_config& cfg);

/// MODEL, then FALLBACK_MODELS: the models of the upstream routes, in order.
std::vector<std::string> route_models(const gateway_config& cfg);

/// Threads that run the io_context: THREADS, or one per core when it is 0.
unsigned io_threads(const gateway_config& cfg);

/// The text of `chat-gateway --help`: every variable with its default.
std::string config_help();

}  // namespace gateway
