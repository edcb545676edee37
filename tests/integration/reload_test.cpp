// Live reload over real sockets (gateway/config_reloader, gateway_server::reconfigure): CONFIG_FILE
// rewritten and re-read while the gateway serves - a client key removed is refused at once, one
// added works, a rotated Groq key is the next upstream call's, a raised rate limit applies, an
// invalid file is refused with the running configuration kept, and a stream that started before
// the reload completes on the settings it started with. docs/operations.md, "Live reload".
#include "config/config_reload.hpp"
#include "gateway/config_reloader.hpp"
#include "support/test_env.hpp"

#include <catch2/catch.hpp>

#include <fstream>
#include <future>
#include <thread>

using namespace test;
using namespace std::chrono_literals;

namespace {

constexpr const char* groq_one = "gsk-reload-key-one-1111";
constexpr const char* groq_two = "gsk-reload-key-two-2222";

// groq-sim knowing both Groq keys, and a gateway whose settings come from an environment with
// CONFIG_FILE over it, as main() builds them - so the reloader compares against what really runs.
struct reload_env {
  explicit reload_env(const std::string& file_text, std::optional<gateway::log_level> level = {})
      : file(file_text) {
    env_options o = plain_http_upstream();
    o.sim = [](gateway::sim::sim_config& c) { c.api_keys = {groq_one, groq_two}; };
    o.gateway = [this](gateway::gateway_config& c) {
      environment = {
          {"HOST", "127.0.0.1"},
          {"PORT", "0"},
          {"GROQ_BASE_URL", fmt::format("http://127.0.0.1:{}/openai/v1", c.upstream.port)},
          {"CONFIG_FILE", file.path()}};
      auto start = gateway::load_startup_config(gateway::lookup_in(environment));
      REQUIRE(start.config);
      running = start.running;
      c = *start.config;
    };
    // One logger for both, as in main(): copies share the level LOG_LEVEL changes.
    const auto shared_log = log.logger(level.value_or(gateway::log_level::info));
    o.log = shared_log;
    env = std::make_unique<test_env>(o);
    reloader = std::make_unique<gateway::config_reloader>(env->gateway(), environment, running,
                                                          shared_log);
  }
  ~reload_env() {
    reloader.reset();  // before the gateway it reconfigures
    env.reset();
  }

  void write(const std::string& text) { std::ofstream(file.path(), std::ios::trunc) << text; }
  gateway::reload_report reload(const std::string& text) {
    write(text);
    return reloader->reload_now();
  }

  http_result ask(const std::string& question, const std::string& client_key) {
    return env->request(
        "POST", "/chat", chat_body(question),
        {{"content-type", "application/json"}, {"authorization", "Bearer " + client_key}});
  }
  std::string metrics() { return env->request("GET", "/metrics", {}, {}).body; }

  temp_file file;
  gateway::setting_values environment, running;
  captured_log log;
  std::unique_ptr<test_env> env;
  std::unique_ptr<gateway::config_reloader> reloader;
};

bool contains(const std::string& text, std::string_view what) {
  return text.find(what) != std::string::npos;
}

}  // namespace

TEST_CASE("reload: a client key removed is refused at once, a key added works",
          "[integration][reload]") {
  reload_env r(
      fmt::format("GROQ_API_KEY={}\nGATEWAY_API_KEYS=client-alpha,client-beta\n", groq_one));
  CHECK(r.ask("Hisse nedir?", "client-beta").status == 200);
  CHECK(r.ask("Hisse nedir?", "client-gamma").status == 401);
  CHECK(contains(r.metrics(), "gateway_config_generation 1\n"));

  const auto report = r.reload(
      fmt::format("GROQ_API_KEY={}\nGATEWAY_API_KEYS=client-alpha,client-gamma\n", groq_one));
  CHECK(report.result == gateway::reload_report::outcome::applied);
  CHECK(report.generation == 2);
  CHECK(report.changed == std::vector<std::string>{"GATEWAY_API_KEYS"});
  CHECK(r.ask("Tahvil nedir?", "client-beta").status == 401);   // removed: the very next request
  CHECK(r.ask("Tahvil nedir?", "client-gamma").status == 200);  // added
  CHECK(r.ask("Tahvil nedir?", "client-alpha").status == 200);  // kept

  const auto m = r.metrics();
  CHECK(contains(m, "gateway_config_generation 2\n"));
  CHECK(contains(m, "gateway_config_reloads_total{outcome=\"applied\"} 1\n"));
  const auto log = r.log.text();
  CHECK(contains(log, "configuration generation 2 live (reloaded from " + r.file.path() +
                          "): GATEWAY_API_KEYS (2 client keys)"));
  for (const auto* secret : {"client-alpha", "client-beta", "client-gamma", groq_one}) {
    CHECK_FALSE(contains(log, secret));
    CHECK_FALSE(contains(m, secret));
  }
}

TEST_CASE("reload: a rotated Groq key is the next upstream call's", "[integration][reload]") {
  reload_env r(fmt::format("GROQ_API_KEY={}\n", groq_one));
  REQUIRE(r.env->chat(chat_body("Altın nedir?")).status == 200);
  CHECK(r.env->sim().stats().by_key.at(1) == 1);

  // Through the reloader's own thread, as SIGHUP does it.
  r.write(fmt::format("GROQ_API_KEYS={}\n", groq_two));
  r.reloader->request();
  REQUIRE(test_env::eventually([&] { return r.reloader->reloads_done() == 1; }));
  CHECK(r.env->gateway().generation() == 2);
  REQUIRE(r.env->chat(chat_body("Gümüş nedir?")).status == 200);
  const auto s = r.env->sim().stats();
  CHECK(s.by_key.at(1) == 1);
  CHECK(s.by_key.at(2) == 1);
  CHECK(s.unauthorized == 0);
  CHECK(contains(r.log.text(), "): GROQ_API_KEY (unset), GROQ_API_KEYS (1 key)"));
  CHECK_FALSE(contains(r.log.text(), groq_two));
}

TEST_CASE("reload: a stream that started before the reload completes on its settings",
          "[integration][reload]") {
  reload_env r(fmt::format("GROQ_API_KEY={}\nGATEWAY_API_KEYS=client-alpha\n", groq_one));
  const std::string question = "Temettü nedir? [[sim interval=40 tokens=30]]";
  std::promise<void> first_event;
  bool told = false;
  auto streamed = std::async(std::launch::async, [&] {
    return r.env->stream(
        "/chat", chat_body(question, true),
        [&](const gateway::sse_event&) {
          if (!told) first_event.set_value();
          told = true;
          return true;
        },
        {{"content-type", "application/json"}, {"authorization", "Bearer client-alpha"}});
  });
  REQUIRE(first_event.get_future().wait_for(10s) == std::future_status::ready);

  // The stream's client key removed and its Groq key rotated while it runs (about 1.2 s of tokens).
  const auto report =
      r.reload(fmt::format("GROQ_API_KEY={}\nGATEWAY_API_KEYS=client-beta\n", groq_two));
  REQUIRE(report.result == gateway::reload_report::outcome::applied);
  CHECK(r.ask("Repo nedir?", "client-alpha").status == 401);
  CHECK(r.ask("Repo nedir?", "client-beta").status == 200);
  CHECK(r.env->sim().stats().active_streams == 1);  // still going

  const auto s = streamed.get();
  CHECK(s.status == 200);
  CHECK(s.saw_done);
  CHECK_FALSE(s.error);
  CHECK(s.text == expected_answer(question, 30));
  const auto sim = r.env->sim().stats();
  CHECK(sim.by_key.at(1) == 1);  // the stream, on the key it started with
  CHECK(sim.by_key.at(2) == 1);  // the request after the reload
  CHECK(sim.streams_completed == 1);
}

TEST_CASE("reload: a raised rate limit applies to the next request", "[integration][reload]") {
  reload_env r(fmt::format("GROQ_API_KEY={}\nRATE_LIMIT_RPM=1\n", groq_one));
  CHECK(r.env->chat(chat_body("Borsa nedir?")).status == 200);
  const auto refused = r.env->chat(chat_body("Borsa nedir?"));
  REQUIRE(refused.status == 429);  // one a minute: the next in 60 s
  CHECK(refused.headers.at("x-ratelimit-limit-requests") == "1");

  // 1,200 a minute: what was used is a share of the budget (GCRA), refilled at the new rate - one
  // request every 50 ms, not one a minute.
  REQUIRE(r.reload(fmt::format("GROQ_API_KEY={}\nRATE_LIMIT_RPM=1200\n", groq_one)).result ==
          gateway::reload_report::outcome::applied);
  std::this_thread::sleep_for(120ms);
  CHECK(r.env->chat(chat_body("Borsa nedir?")).status == 200);

  // Turned off: no limit at all.
  REQUIRE(r.reload(fmt::format("GROQ_API_KEY={}\n", groq_one)).result ==
          gateway::reload_report::outcome::applied);
  for (int i = 0; i < 5; ++i) CHECK(r.env->chat(chat_body("Borsa nedir?")).status == 200);
  CHECK(contains(r.log.text(), "RATE_LIMIT_RPM (unset: its default)"));
}

TEST_CASE("reload: an invalid file is refused and the running configuration stays",
          "[integration][reload]") {
  reload_env r(fmt::format("GROQ_API_KEY={}\nGATEWAY_API_KEYS=client-alpha\n", groq_one));

  auto report = r.reload("GATEWAY_API_KEYS=client-beta\nRATE_LIMIT_RPM=lots\n");
  CHECK(report.result == gateway::reload_report::outcome::refused);
  CHECK(report.why == r.file.path() + ": RATE_LIMIT_RPM=\"lots\" must be a whole number");
  CHECK(r.env->gateway().generation() == 1);
  CHECK(r.ask("Faiz nedir?", "client-alpha").status == 200);  // the old key still works
  CHECK(r.ask("Faiz nedir?", "client-beta").status == 401);   // the refused file's key does not

  report = r.reload("GATEWAY_API_KEYS=client-beta\ngsk_a_key_pasted_alone\n");
  CHECK(report.result == gateway::reload_report::outcome::refused);
  CHECK(contains(report.why, "line 2: not NAME=VALUE"));

  std::remove(r.file.path().c_str());
  report = r.reloader->reload_now();
  CHECK(report.result == gateway::reload_report::outcome::refused);
  CHECK(contains(report.why, "cannot open"));
  r.write("");  // temp_file removes it again

  const auto m = r.metrics();
  CHECK(contains(m, "gateway_config_generation 1\n"));
  CHECK(contains(m, "gateway_config_reloads_total{outcome=\"refused\"} 3\n"));
  const auto log = r.log.text();
  CHECK(contains(log, "reload refused, configuration generation 1 stays live: " + r.file.path() +
                          ": RATE_LIMIT_RPM=\"lots\" must be a whole number"));
  CHECK_FALSE(contains(log, "gsk_a_key_pasted_alone"));
  CHECK_FALSE(contains(log, "client-beta"));
}

TEST_CASE("reload: restart-only settings are reported and not applied, live ones still are",
          "[integration][reload]") {
  reload_env r(fmt::format("GROQ_API_KEY={}\n", groq_one));
  const auto report = r.reload(
      fmt::format("GROQ_API_KEY={}\nCACHE_MAX_ENTRIES=5\nTHREADS=7\nLOG_LEVEL=debug\n", groq_one));
  CHECK(report.result == gateway::reload_report::outcome::applied);
  CHECK(report.needs_restart == std::vector<std::string>{"THREADS", "CACHE_MAX_ENTRIES"});
  CHECK(report.changed == std::vector<std::string>{"LOG_LEVEL"});
  const auto log = r.log.text();
  CHECK(contains(log,
                 "reload: THREADS, CACHE_MAX_ENTRIES differ from the running configuration and "
                 "need a restart: not applied"));
  CHECK(contains(log, "configuration generation 2 live (reloaded from " + r.file.path() +
                          "): LOG_LEVEL=\"debug\""));

  // Nothing live changed the second time: the generation stays, the restart-only ones still differ.
  const auto again = r.reloader->reload_now();
  CHECK(again.result == gateway::reload_report::outcome::unchanged);
  CHECK(again.generation == 2);
  CHECK(again.needs_restart.size() == 2);
  CHECK(contains(r.metrics(), "gateway_config_reloads_total{outcome=\"unchanged\"} 1\n"));
}

TEST_CASE("reload: LOG_LEVEL changes what every part of the gateway logs",
          "[integration][reload]") {
  reload_env r(fmt::format("GROQ_API_KEY={}\nLOG_LEVEL=warn\n", groq_one),
               gateway::log_level::warn);
  REQUIRE(r.env->chat(chat_body("Enflasyon nedir?")).status == 200);
  CHECK_FALSE(contains(r.log.text(), "200 json"));  // the pipeline's debug line, off at warn
  REQUIRE(r.reload(fmt::format("GROQ_API_KEY={}\nLOG_LEVEL=debug\n", groq_one)).result ==
          gateway::reload_report::outcome::applied);
  REQUIRE(r.env->chat(chat_body("Döviz nedir?")).status == 200);
  CHECK(test_env::eventually([&] { return contains(r.log.text(), "200 json"); }));
  CHECK(contains(r.log.text(),
                 "configuration generation 2 live"));  // said once the new level allows it
}
