// The OTEL_* variables (lib/config/otel_settings, gateway_config's table): off by default; the
// endpoint and the traces endpoint; headers and resource attributes percent-decoded, with no
// control character let through; only http/json; the sampler checked at start; secret headers
// never echoed in an error.
#include "config/gateway_config.hpp"

#include <catch2/catch.hpp>

#include "support/config_env.hpp"

#include <map>

using namespace gateway;

namespace {
config_result load(const std::map<std::string, std::string>& vars) { return test::load_config_from(vars); }
}  // namespace

TEST_CASE("otel config: off by default, on with an endpoint, off again when disabled", "[config][otel]") {
  REQUIRE(load({}).config);
  CHECK_FALSE(load({}).config->otel.enabled());
  const auto on = load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/"}});
  REQUIRE(on.config);
  CHECK(on.config->otel.enabled());
  CHECK(on.config->otel.traces_url() == "http://collector:4318/v1/traces");
  const auto exact = load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"},
                           {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "https://b/custom/path"}});
  CHECK(exact.config->otel.traces_url() == "https://b/custom/path");
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"}, {"OTEL_SDK_DISABLED", "true"}})
                  .config->otel.enabled());
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://a:4318"}, {"OTEL_TRACES_EXPORTER", "none"}})
                  .config->otel.enabled());
}

TEST_CASE("otel config: headers and resource attributes", "[config][otel]") {
  const auto c = load({{"OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D%3D, x-team = finance"},
                       {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-more=1"},
                       {"OTEL_RESOURCE_ATTRIBUTES", "deployment.environment=prod,service.version=2.1"},
                       {"OTEL_SERVICE_NAME", "gw-eu"}});
  REQUIRE(c.config);
  const auto& o = c.config->otel;
  REQUIRE(o.headers.size() == 3);
  CHECK(o.headers[0] == std::pair<std::string, std::string>{"api-key", "abc=="});
  CHECK(o.headers[1] == std::pair<std::string, std::string>{"x-team", "finance"});
  CHECK(o.headers[2].first == "x-more");
  CHECK(o.resource.size() == 2);
  CHECK(o.service_name == "gw-eu");
}

TEST_CASE("otel config: what cannot be used stops start-up, secrets unechoed", "[config][otel]") {
  // A header value may not carry a line break (it would split the export's request head).
  const auto crlf = load({{"OTEL_EXPORTER_OTLP_HEADERS", "a=secret%0D%0Ainjected: 1"}});
  CHECK_FALSE(crlf.config);
  CHECK(crlf.error.find("secret") == std::string::npos);
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_HEADERS", "bad name=1"}}).config);
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"}}).config);
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"}}).config);
  CHECK(load({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"}}).config);
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"}}).config);
  CHECK_FALSE(load({{"OTEL_TRACES_SAMPLER", "traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "2"}}).config);
  CHECK_FALSE(load({{"OTEL_EXPORTER_OTLP_TIMEOUT", "0"}}).config);
  CHECK_FALSE(load({{"OTEL_BSP_MAX_QUEUE_SIZE", "10"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "20"}}).config);
  const auto ratio = load({{"OTEL_TRACES_SAMPLER", "parentbased_traceidratio"}, {"OTEL_TRACES_SAMPLER_ARG", "0.25"}});
  REQUIRE(ratio.config);
  CHECK(ratio.config->otel.sampler.ratio == 0.25);
}
