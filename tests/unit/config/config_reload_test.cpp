// Live reload's pure part (lib/config/config_reload): CONFIG_FILE's lines, the settings at start,
// and the decision on a new reading - live settings taken, restart-only ones reported and kept,
// invalid readings refused whole, secrets never echoed.
#include "config/config_reload.hpp"
#include "support/temp_file.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace gateway;

namespace {

bool has(const std::vector<std::string>& names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

TEST_CASE("config reload: an env file's lines", "[config][reload]") {
  const auto f = parse_env_file(
      "# a comment\n"
      "\n"
      "  ; another comment\n"
      "GROQ_API_KEYS=gsk_one,gsk_two\r\n"
      "export LOG_LEVEL = debug\n"
      "RATE_LIMIT_RPM=\"120\"\n"
      "SYSTEM_PROMPT='Kısa yanıt ver. # not a comment'\n"
      "FALLBACK_MODELS=a\n"
      "FALLBACK_MODELS=b,c\n"  // the last line of a name wins
      "GATEWAY_API_KEYS=\n"    // set, and empty
      "NOT_A_SETTING=1\n"
      "CONFIG_FILE=/elsewhere\n"
      "NOT_A_SETTING=2");
  REQUIRE(f.error.empty());
  CHECK(f.values.at("GROQ_API_KEYS") == "gsk_one,gsk_two");
  CHECK(f.values.at("LOG_LEVEL") == "debug");
  CHECK(f.values.at("RATE_LIMIT_RPM") == "120");
  CHECK(f.values.at("SYSTEM_PROMPT") == "Kısa yanıt ver. # not a comment");
  CHECK(f.values.at("FALLBACK_MODELS") == "b,c");
  CHECK(f.values.at("GATEWAY_API_KEYS").empty());
  CHECK(f.values.count("NOT_A_SETTING") == 0);
  CHECK(f.values.count("CONFIG_FILE") ==
        0);  // the environment names the file, never the file itself
  CHECK(f.ignored == std::vector<std::string>{"NOT_A_SETTING", "CONFIG_FILE"});
  // Quotes only when they match; inner ones stay.
  CHECK(parse_env_file("MODEL=\"a'").values.at("MODEL") == "\"a'");
  CHECK(parse_env_file("MODEL=\"").values.at("MODEL") == "\"");
  CHECK(parse_env_file("").values.empty());
}

TEST_CASE("config reload: a malformed env file is refused by its line number, never its text",
          "[config][reload]") {
  const auto no_name = parse_env_file("LOG_LEVEL=info\n\ngsk_pasted_without_a_name\n");
  CHECK(no_name.error == "line 3: not NAME=VALUE (a NAME is letters, digits and _)");
  CHECK(no_name.values.empty());  // nothing of a refused file is taken
  const auto bad_name = parse_env_file("GROQ API KEY=gsk_secret_value");
  CHECK(bad_name.error.rfind("line 1:", 0) == 0);
  CHECK(bad_name.error.find("gsk_secret_value") == std::string::npos);
  CHECK(parse_env_file("=x").error.rfind("line 1:", 0) == 0);
  CHECK(parse_env_file("1PORT=80").error.rfind("line 1:", 0) == 0);
  CHECK(parse_env_file(std::string("PORT=80\nMODEL=a\0b\n", 18)).error == "line 2: a NUL byte");
}

TEST_CASE("config reload: the file is read whole, within its bound", "[config][reload]") {
  test::temp_file file("RATE_LIMIT_RPM=60\n");
  const auto read = read_env_file(file.path());
  REQUIRE(read.error.empty());
  CHECK(read.values.at("RATE_LIMIT_RPM") == "60");

  const auto missing = read_env_file("/nonexistent/gateway.env");
  CHECK(missing.error.find("cannot open /nonexistent/gateway.env") == 0);

  test::temp_file huge(std::string(max_env_file_bytes + 1, '#'));
  CHECK(read_env_file(huge.path()).error.find("larger than") != std::string::npos);

  test::temp_file bad("PORT=1\nsecret-without-name\n");
  CHECK(read_env_file(bad.path()).error ==
        bad.path() + " line 2: not NAME=VALUE (a NAME is letters, digits and _)");
}

TEST_CASE("config reload: at start, CONFIG_FILE's lines go over the environment",
          "[config][reload]") {
  test::temp_file file("RATE_LIMIT_RPM=60\nPORT=9001\nBOGUS=1\n");
  const setting_values env{
      {"PORT", "9000"}, {"MODEL", "m"}, {"CONFIG_FILE", file.path()}, {"UNRELATED", "x"}};
  const auto start = load_startup_config(lookup_in(env));
  REQUIRE(start.config);
  CHECK(start.config->port == 9001);  // the file wins
  CHECK(start.config->model == "m");  // the environment fills in
  CHECK(start.config->rate_limit_rpm == 60);
  CHECK(start.config->config_file == file.path());
  CHECK(start.environment.count("UNRELATED") == 0);  // only settings are kept
  CHECK(start.environment.at("PORT") == "9000");
  CHECK(start.running.at("PORT") == "9001");
  CHECK(start.ignored == std::vector<std::string>{"BOGUS"});

  const auto without = load_startup_config(lookup_in(setting_values{{"PORT", "9000"}}));
  REQUIRE(without.config);
  CHECK(without.config->port == 9000);
  CHECK(without.running == without.environment);

  const setting_values broken{{"CONFIG_FILE", "/nonexistent/gateway.env"}};
  const auto failed = load_startup_config(lookup_in(broken));
  CHECK_FALSE(failed.config);
  CHECK(failed.error.rfind("CONFIG_FILE cannot open /nonexistent/gateway.env", 0) == 0);
}

TEST_CASE("config reload: live settings are taken, the rest kept as they run", "[config][reload]") {
  const setting_values running{{"GROQ_API_KEY", "gsk_old"},
                               {"GATEWAY_API_KEYS", "client-a"},
                               {"PORT", "8000"},
                               {"LOG_LEVEL", "info"}};
  const setting_values next{{"GROQ_API_KEYS", "gsk_new1,gsk_new2"},
                            {"GATEWAY_API_KEYS", "client-a,client-b"},
                            {"PORT", "8000"},  // the same
                            {"RATE_LIMIT_RPM", "120"},
                            {"FALLBACK_MODELS", "llama-3.1-8b-instant"},
                            {"LOG_LEVEL", "debug"}};
  const auto d = decide_reload(running, next);
  REQUIRE(d.refused.empty());
  REQUIRE(d.config);
  CHECK(groq_keys(*d.config) == std::vector<std::string>{"gsk_new1", "gsk_new2"});
  CHECK(d.config->gateway_api_keys == "client-a,client-b");
  CHECK(d.config->rate_limit_rpm == 120);
  CHECK(d.config->fallback_models == std::vector<std::string>{"llama-3.1-8b-instant"});
  CHECK(d.config->log == log_level::debug);
  for (auto name : {"GROQ_API_KEY", "GROQ_API_KEYS", "GATEWAY_API_KEYS", "RATE_LIMIT_RPM",
                    "FALLBACK_MODELS", "LOG_LEVEL"})
    CHECK(has(d.changed, name));
  CHECK(d.changed.size() == 6);
  CHECK(d.needs_restart.empty());
  CHECK(d.running == next);  // every difference was live: what runs now is the new reading
  CHECK(*load_config(lookup_in(d.running)).config == *d.config);
}

TEST_CASE("config reload: restart-only settings that differ are reported and not applied",
          "[config][reload]") {
  const setting_values running{
      {"PORT", "8000"}, {"THREADS", "2"}, {"RATE_LIMIT_RPM", "10"}, {"CACHE_MAX_ENTRIES", "100"}};
  const setting_values next{{"PORT", "9000"},
                            {"RATE_LIMIT_RPM", "20"},  // live
                            {"CACHE_MAX_ENTRIES", "100"},
                            {"REQUEST_TIMEOUT", "45"},  // the default, written out: no change
                            {"REDIS_URL", "redis://:hunter2@cache:6379"}};
  // THREADS removed: back to "one per core", a difference too.
  const auto d = decide_reload(running, next);
  REQUIRE(d.refused.empty());
  REQUIRE(d.config);
  CHECK(d.needs_restart == std::vector<std::string>{"PORT", "THREADS", "REDIS_URL"});
  CHECK(d.changed == std::vector<std::string>{"RATE_LIMIT_RPM"});
  CHECK(d.config->port == 8000);
  CHECK(d.config->threads == 2);
  CHECK_FALSE(d.config->redis);
  CHECK(d.config->rate_limit_rpm == 20);
  // What runs is the running reading with the live change: the next reload compares against it.
  CHECK(d.running == setting_values{{"PORT", "8000"},
                                    {"THREADS", "2"},
                                    {"RATE_LIMIT_RPM", "20"},
                                    {"CACHE_MAX_ENTRIES", "100"}});
}

TEST_CASE("config reload: the same settings change nothing", "[config][reload]") {
  const setting_values running{{"GROQ_API_KEY", "gsk_a"}, {"RATE_LIMIT_RPM", "60"}};
  const auto same = decide_reload(running, running);
  REQUIRE(same.refused.empty());
  CHECK(same.changed.empty());
  CHECK(same.needs_restart.empty());
  CHECK(same.running == running);
  // Other texts of the same settings: nothing changes either.
  const auto spelled = decide_reload(
      running, {{"GROQ_API_KEY", "gsk_a"}, {"RATE_LIMIT_RPM", "60"}, {"LOG_LEVEL", "info"}});
  REQUIRE(spelled.refused.empty());
  CHECK(spelled.changed.empty());
}

TEST_CASE("config reload: an invalid reading is refused whole and the running one stays",
          "[config][reload]") {
  const setting_values running{{"GROQ_API_KEY", "gsk_a"}, {"RATE_LIMIT_RPM", "60"}};

  SECTION("a live setting's value") {
    const auto d = decide_reload(running, {{"GROQ_API_KEY", "gsk_a"}, {"RATE_LIMIT_RPM", "many"}});
    CHECK(d.refused == "RATE_LIMIT_RPM=\"many\" must be a whole number");
    CHECK_FALSE(d.config);
    CHECK(d.changed.empty());
  }
  SECTION("a restart-only setting's value: nothing of the reading is taken") {
    const auto d = decide_reload(running, {{"GROQ_API_KEY", "gsk_b"}, {"PORT", "eighty"}});
    CHECK(d.refused.find("PORT") == 0);
    CHECK_FALSE(d.config);
  }
  SECTION("a key's value is never echoed") {
    const auto d = decide_reload(running, {{"GROQ_API_KEYS", "gsk_good,gsk bad secret"}});
    CHECK(d.refused.find("GROQ_API_KEYS") == 0);
    CHECK(d.refused.find("secret") == std::string::npos);
    const auto both =
        decide_reload(running, {{"GROQ_API_KEY", "gsk_a"}, {"GROQ_API_KEYS", "gsk_b,gsk_c"}});
    CHECK(both.refused.find("GROQ_API_KEY and GROQ_API_KEYS are both set") == 0);
    CHECK(both.refused.find("gsk_") == std::string::npos);
  }
  SECTION("a live change that does not fit the running rest") {
    // RATE_LIMIT_TPM needs CACHE_ENABLED=true; the file turns the cache on, which needs a restart.
    const setting_values off{{"CACHE_ENABLED", "false"}};
    const auto d = decide_reload(off, {{"CACHE_ENABLED", "true"}, {"RATE_LIMIT_TPM", "1000"}});
    CHECK(d.refused.find("RATE_LIMIT_TPM needs CACHE_ENABLED=true") == 0);
    CHECK(d.refused.find("CACHE_ENABLED: its new value needs a restart") != std::string::npos);
    CHECK(d.needs_restart == std::vector<std::string>{"CACHE_ENABLED"});
    CHECK_FALSE(d.config);
  }
}

TEST_CASE("config reload: live settings are the ones the issue names, and --help marks them",
          "[config][reload]") {
  for (auto name : {"GROQ_API_KEY", "GROQ_API_KEYS", "GATEWAY_API_KEYS", "RATE_LIMIT_RPM",
                    "RATE_LIMIT_TPM", "FALLBACK_MODELS", "LOG_LEVEL"})
    CHECK(is_live_setting(name));
  for (auto name : {"PORT", "THREADS", "REDIS_URL", "CACHE_MAX_ENTRIES", "MODEL", "GROQ_BASE_URL",
                    "CONFIG_FILE"})
    CHECK_FALSE(is_live_setting(name));
  const auto help = config_help();
  CHECK(help.find("CONFIG_FILE") != std::string::npos);
  CHECK(help.find("SIGHUP") != std::string::npos);
  const auto line_of = [&](std::string_view name) {
    const auto at = help.find("\n  " + std::string(name) + ' ');
    return at == std::string::npos ? std::string()
                                   : help.substr(at + 1, help.find('\n', at + 1) - at - 1);
  };
  CHECK(line_of("RATE_LIMIT_RPM").find("[live]") != std::string::npos);
  CHECK(line_of("LOG_LEVEL").find("[live]") != std::string::npos);
  CHECK(line_of("PORT").find("[live]") == std::string::npos);
  CHECK_FALSE(line_of("PORT").empty());
}
