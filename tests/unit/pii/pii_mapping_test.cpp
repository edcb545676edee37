// lib/pii's mapping: placeholders numbered per kind and request, the same value the same
// placeholder, placeholders the client wrote kept, and restore - whole and streamed, at every cut.
#include "pii/pii_mapping.hpp"

#include <catch2/catch.hpp>

using namespace gateway;

namespace {

// restore() of `answer` streamed in two pieces cut at `cut`, and in pieces of one byte.
std::string streamed(const pii_mapping& m, std::string_view answer, std::size_t cut) {
  pii_restorer r(m);
  std::string out;
  r.feed(answer.substr(0, cut), out);
  r.feed(answer.substr(cut), out);
  r.finish(out);
  return out;
}

std::string bytewise(const pii_mapping& m, std::string_view answer) {
  pii_restorer r(m);
  std::string out;
  for (char c : answer) r.feed(std::string_view(&c, 1), out);
  r.finish(out);
  return out;
}

bool valid_utf8_cut(std::string_view piece) {
  // A piece handed out never ends inside a character.
  if (piece.empty()) return true;
  std::size_t back = 0;
  while (back < piece.size() && back < 4 &&
         (static_cast<unsigned char>(piece[piece.size() - 1 - back]) & 0xC0) == 0x80)
    ++back;
  if (back == piece.size()) return false;
  const auto lead = static_cast<unsigned char>(piece[piece.size() - 1 - back]);
  const std::size_t need = lead < 0x80             ? 1
                           : (lead & 0xE0) == 0xC0 ? 2
                           : (lead & 0xF0) == 0xE0 ? 3
                                                   : 4;
  return need == back + 1;
}

}  // namespace

TEST_CASE("pii: placeholders per kind and request, the same value the same placeholder", "[pii]") {
  pii_mapping m;
  const std::string history = "Eski IBAN'ım TR330006100519786457841326, TC 12345678950.";
  const std::string question =
      "TR330006100519786457841326 yerine TR32 0020 5005 6349 1425 0178 35 kullanayım mı? Kimliğim "
      "12345678950, "
      "kartım 4111 1111 1111 1111, tel 0532 123 45 67, ayse@example.com";
  m.reserve(history);
  m.reserve(question);
  const auto h = m.pseudonymise(history, pii_kinds::all());
  const auto q = m.pseudonymise(question, pii_kinds::all());
  REQUIRE(h);
  REQUIRE(q);
  CHECK(*h == "Eski IBAN'ım [IBAN_1], TC [TCKN_1].");
  CHECK(*q ==
        "[IBAN_1] yerine [IBAN_2] kullanayım mı? Kimliğim [TCKN_1], kartım [KART_1], tel [TEL_1], "
        "[EPOSTA_1]");
  CHECK(m.size() == 6);
  CHECK(m.replaced()[index_of(pii_kind::iban)] == 3);
  CHECK(m.replaced()[index_of(pii_kind::tckn)] == 2);
  CHECK(m.restore(*h) == history);
  CHECK(m.restore(*q) == question);
  CHECK_FALSE(m.pseudonymise("BIST 100 bugün 1000 lot", pii_kinds::all()));
}

TEST_CASE("pii: a placeholder the client wrote is kept, and never handed out", "[pii]") {
  pii_mapping m;
  const std::string text = "[IBAN_1] yazdım ama IBAN'ım TR330006100519786457841326";
  m.reserve(text);
  const auto out = m.pseudonymise(text, pii_kinds::all());
  REQUIRE(out);
  CHECK(*out == "[IBAN_1] yazdım ama IBAN'ım [IBAN_2]");
  CHECK(m.restore(*out) == text);
  CHECK(m.restore("[IBAN_1] ve [IBAN_2]") == "[IBAN_1] ve TR330006100519786457841326");
}

TEST_CASE("pii: restore leaves what the model did not write exactly", "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("TR330006100519786457841326", pii_kinds::all()));
  for (const std::string kept :
       {"[IBAN_2]", "[iban_1]", "[IBAN 1]", "[IBAN_01]", "[IBAN_1", "IBAN_1]", "[IBAN-1]",
        "[ IBAN_1]", "[IBAN_1 ]", "[TCKN_1]", "[IBAN_]", "[IBAN_1234567890]", "["}) {
    INFO(kept);
    CHECK(m.restore("Hesap " + kept + " sonu") == "Hesap " + kept + " sonu");
  }
  CHECK(m.restore("[[IBAN_1]]") == "[TR330006100519786457841326]");
}

TEST_CASE("pii: streamed restore equals the whole restore at every cut", "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("TR330006100519786457841326 ve 12345678950, çağrı@example.com",
                         pii_kinds::all()));
  const std::string answer =
      "Sayın müşterimiz, [IBAN_1] numaralı hesabınıza (kimlik [TCKN_1]) EFT yarın geçer; "
      "[EPOSTA_1] adresine dekont, [IBAN_9] bilinmiyor, [IBAN_1 yarım, [[TCKN_1]] ve şüphe [IB";
  const auto whole = m.restore(answer);
  CHECK(whole.find("TR330006100519786457841326") != std::string::npos);
  CHECK(whole.find("[IBAN_9]") != std::string::npos);
  CHECK(whole.ends_with("şüphe [IB"));
  for (std::size_t cut = 0; cut <= answer.size(); ++cut) {
    INFO("cut " << cut);
    CHECK(streamed(m, answer, cut) == whole);
  }
  CHECK(bytewise(m, answer) == whole);
}

TEST_CASE(
    "pii: the streamed restore holds back only a placeholder's start, and never cuts a character",
    "[pii]") {
  pii_mapping m;
  REQUIRE(m.pseudonymise("12345678950", pii_kinds::all()));
  pii_restorer r(m);
  std::string out;
  r.feed("Kimlik [TC", out);
  CHECK(out == "Kimlik ");
  r.feed("KN_1] tamam [X", out);
  CHECK(out == "Kimlik 12345678950 tamam [X");  // "[X" cannot begin a placeholder
  CHECK_FALSE(r.holding());
  const std::string turkish = "şüpheli ğ";
  for (std::size_t cut = 0; cut <= turkish.size(); ++cut) {
    pii_restorer t(m);
    std::string first;
    t.feed(std::string_view(turkish).substr(0, cut), first);
    CHECK(valid_utf8_cut(first));
    std::string rest;
    t.feed(std::string_view(turkish).substr(cut), rest);
    t.finish(rest);
    CHECK(first + rest == turkish);
  }
}

TEST_CASE("pii: thousands of values and typed placeholders in one request stay linear", "[pii]") {
  // A body of MAX_BODY_BYTES could hold this many: the mapping hashes both ways, so pseudonymise
  // and restore stay linear in the text (a linear search per value was quadratic on an io thread).
  std::string text, answer;
  for (int i = 0; i < 10'000; ++i) {
    // Appended piece by piece: GCC 12 warns falsely on "literal" + std::string temporaries.
    const auto n = std::to_string(i), next = std::to_string(i + 1);
    text.append("m").append(n).append("@example.com [TCKN_").append(next).append("] ");
    answer.append("[EPOSTA_").append(next).append("] ");
  }
  pii_mapping m;
  m.reserve(text);
  const auto out = m.pseudonymise(text, pii_kinds::all());
  REQUIRE(out);
  CHECK(m.size() == 10'000);
  CHECK(m.restore(*out) == text);
  const auto back = m.restore(answer);
  CHECK(back.starts_with("m0@example.com m1@example.com "));
  CHECK(back.find("[EPOSTA_") == std::string::npos);
}
