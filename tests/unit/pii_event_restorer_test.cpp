// pii_event_restorer: one client's placeholders restored inside /chat's events and OpenAI chunks,
// a placeholder cut across events restored whole at every cut, the held text flushed before the
// stream's end, and events without placeholders passed through byte for byte.
#include "pii/pii_event_restorer.hpp"

#include "core/text.hpp"

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
  const std::string marker = "\"" + std::string(key) + "\":\"";
  for (auto at = sse.find(marker); at != std::string_view::npos; at = sse.find(marker, at + 1)) {
    auto k = at + marker.size();
    for (; k < sse.size() && sse[k] != '"'; ++k) {
      if (sse[k] == '\\') {
        ++k;
        out.push_back(sse[k] == 'n' ? '\n' : sse[k]);
      } else {
        out.push_back(sse[k]);
      }
    }
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
