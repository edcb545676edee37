// Personal data in the endpoints' requests: /v1's messages (string content and text parts) and
// /chat's upstream body. What goes upstream and into the cache key holds placeholders only, and two
// customers asking the same thing about their own values make the same key.
#include "chat/upstream_body.hpp"
#include "config/gateway_config.hpp"
#include "openai/openai_protocol.hpp"
#include "pii/pii_mapping.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace gateway;
namespace json = boost::json;

namespace {

std::string body_with(const std::string& iban, const std::string& tckn) {
  json::object body{
      {"model", "openai/gpt-oss-20b"},
      {"temperature", 0.5},
      {"messages",
       json::array{
           json::object{{"role", "system"}, {"content", "Kısa yanıtla."}},
           json::object{{"role", "user"}, {"content", "IBAN'ım " + iban + " doğru mu?"}},
           json::object{{"role", "assistant"}, {"content", "Evet."}},
           json::object{
               {"role", "user"},
               {"content",
                json::array{json::object{{"type", "text"}, {"text", "TC " + tckn + " ile?"}},
                            json::object{{"type", "image_url"},
                                         {"image_url", json::object{{"url", "x"}}}}}}}}}};
  return json::serialize(body);
}

}  // namespace

TEST_CASE("pii: /v1 messages are pseudonymised before the body and the cache key", "[pii]") {
  const pii_settings on;
  auto a = parse_openai_request(body_with("TR61 0006 4069 7021 7387 9329 23", "29805781730"), "m",
                                true, &on);
  auto b =
      parse_openai_request(body_with("TR190013408865160126434459", "94569959084"), "m", true, &on);
  REQUIRE(std::holds_alternative<openai_request>(a));
  REQUIRE(std::holds_alternative<openai_request>(b));
  const auto& ra = std::get<openai_request>(a);
  const auto& rb = std::get<openai_request>(b);
  REQUIRE(ra.pii);
  CHECK(ra.body.find("TR61") == std::string::npos);
  CHECK(ra.body.find("29805781730") == std::string::npos);
  CHECK(ra.cache_input.find("29805781730") == std::string::npos);
  CHECK(ra.cache_input == rb.cache_input);  // one entry for both customers
  const auto v = json::parse(ra.body);
  const auto& messages = v.at("messages").as_array();
  REQUIRE(messages.size() == 5);
  CHECK(messages[0].at("role") == "system");
  CHECK(std::string(messages[0].at("content").as_string()) == pii_instruction);
  CHECK(messages[2].at("content") == "IBAN'ım [IBAN_1] doğru mu?");
  CHECK(messages[4].at("content").at(0).at("text") == "TC [TCKN_1] ile?");
  CHECK(ra.pii->restore("[IBAN_1] / [TCKN_1]") == "TR61 0006 4069 7021 7387 9329 23 / 29805781730");

  // Nothing found, or protection off: the client's bytes go as they are.
  const std::string plain =
      R"({"model":"m","messages":[{"role":"user","content":"BIST 100 kaç puan?"}]})";
  auto c = parse_openai_request(plain, "m", true, &on);
  CHECK_FALSE(std::get<openai_request>(c).pii);
  CHECK(std::get<openai_request>(c).body == plain);
  pii_settings off;
  off.enabled = false;
  const auto raw = body_with("TR61 0006 4069 7021 7387 9329 23", "29805781730");
  auto d = parse_openai_request(raw, "m", true, &off);
  CHECK(std::get<openai_request>(d).body == raw);
}

TEST_CASE(
    "pii: /chat's upstream body asks the model to keep placeholders, only when there are some",
    "[pii]") {
  gateway_config cfg;
  chat_request r;
  r.question = "[IBAN_1] hesabıma EFT?";
  const auto with = upstream_body_builder(cfg)(r, false, true);
  const auto without = upstream_body_builder(cfg)(r, false, false);
  const auto system = [](const std::string& body) {
    return std::string(json::parse(body).at("messages").at(0).at("content").as_string());
  };
  CHECK(system(with) == cfg.system_prompt + "\n\n" + std::string(pii_instruction));
  CHECK(system(without) == cfg.system_prompt);
  cfg.system_prompt.clear();
  CHECK(system(upstream_body_builder(cfg)(r, false, true)) == pii_instruction);
}
