// pii_event_restorer: one client's placeholders restored inside /chat's events and OpenAI chunks,
// a placeholder cut across events restored whole at every cut, the held text flushed before the
// stream's end, and events without placeholders passed through byte for byte.
#include "pii/pii_event_restorer.hpp"

#include "core/text.hpp"

#include <boost/json.hpp>

#include <catch2/catch.hpp>

using namespace gateway;

namespace {

std::string chat_event(std::string_view text) {
  std::string out = "data: {\"delta\":";
  append_json_string(out, text);
  out += "}\n\n";
  return out;
}

std::string openai_chunk(std::string_view text) {
  std::string out =
      "data: "
      "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{"
      "\"content\":";
  append_json_string(out, text);
  out += "},\"finish_reason\":null}]}\n\n";
  return out;
}

const std::string openai_finish =
    "data: "
    "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},"
    "\"finish_reason\":\"stop\"}]}\n\n";

// The text of every event of `key`, in order (what a client reads of the answer).
std::string text_of(std::string_view sse, std::string_view key) {
  std::string out;
  for (std::size_t at = 0; at < sse.size();) {
    const auto end = sse.find("\n\n", at);
    REQUIRE(end != std::string_view::npos);
    const auto data = sse.substr(at + 6, end - at - 6);
    at = end + 2;
    if (data == "[DONE]") continue;
    const auto v = boost::json::parse(data);
    const auto* o = &v.as_object();
    if (key == "content") {
      const auto& choice = v.at("choices").at(0).as_object();
      o = &choice.at("delta").as_object();
    }
    if (const auto* t = o->if_contains(key); t && t->is_string())
      out += std::string(t->get_string());
  }
  return out;
}

}  // namespace

TEST_CASE("pii: events without placeholders pass through unchanged", "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("TR330006100519786457841326", pii_kinds::all()));
  pii_event_restorer r(m, "delta");
  const std::string in = chat_event("Merhaba, ") + chat_event("EFT yarın geçer.") +
                         "data: {\"done\":true,\"model\":\"m\"}\n\ndata: [DONE]\n\n";
  std::string out;
  r.feed(in, out);
  r.finish(out);
  CHECK(out == in);
}

TEST_CASE("pii: a placeholder cut across /chat events is restored whole, at every cut", "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("TR330006100519786457841326 12345678950", pii_kinds::all()));
  const std::string answer = "Hesabınız [IBAN_1], kimliğiniz [TCKN_1]; [IBAN_7] değişmez. Son: [TC";
  const std::string end = "data: {\"done\":true,\"model\":\"m\"}\n\ndata: [DONE]\n\n";
  const auto want = m.restore(answer);
  for (std::size_t cut = 0; cut <= answer.size(); ++cut) {
    // A JSON string holds whole characters: events are cut between them.
    if (cut < answer.size() && (static_cast<unsigned char>(answer[cut]) & 0xC0) == 0x80) continue;
    INFO("cut " << cut);
    pii_event_restorer r(m, "delta");
    std::string out;
    r.feed(chat_event(answer.substr(0, cut)), out);
    r.feed(chat_event(answer.substr(cut)), out);
    r.feed(end, out);
    r.finish(out);
    CHECK(text_of(out, "delta") == want);
    CHECK(out.ends_with(end));  // the held text goes out before the end
  }
}

TEST_CASE("pii: OpenAI chunks are restored, the held text flushed before finish_reason", "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("ayse@example.com", pii_kinds::all()));
  const std::string answer = "Dekont [EPOSTA_1] adresine gider [EPO";
  const auto want = m.restore(answer);
  for (std::size_t cut = 0; cut <= answer.size(); ++cut) {
    INFO("cut " << cut);
    pii_event_restorer r(m, "content");
    std::string out;
    const std::string all = openai_chunk(answer.substr(0, cut)) + openai_chunk(answer.substr(cut)) +
                            openai_finish + "data: [DONE]\n\n";
    // Bytes cut anywhere too.
    const auto byte_cut = (cut * 7) % all.size();
    r.feed(std::string_view(all).substr(0, byte_cut), out);
    r.feed(std::string_view(all).substr(byte_cut), out);
    r.finish(out);
    CHECK(text_of(out, "content") == want);
    CHECK(out.ends_with(openai_finish + "data: [DONE]\n\n"));
  }
}

TEST_CASE("pii: escapes in a restored event are kept", "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("12345678950", pii_kinds::all()));
  pii_event_restorer r(m, "delta");
  std::string out;
  r.feed("data: {\"delta\":\"\\\"[TCKN_1]\\\"\\n\\u00e7\"}\n\n", out);
  CHECK(out == "data: {\"delta\":\"\\\"12345678950\\\"\\nç\"}\n\n");
}
