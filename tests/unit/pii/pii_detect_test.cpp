// lib/pii detection: each kind's checks, the spellings people use, and the numbers of ordinary
// finance text that must never be taken (the labeled set is pii_labeled_test.cpp).
#include "pii/pii_detect.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace gateway;

namespace {

struct found {
  pii_kind kind;
  std::string value;
  bool operator==(const found&) const = default;
};

std::vector<found> values(std::string_view text, pii_kinds kinds = pii_kinds::all()) {
  std::vector<found> out;
  for (const auto& m : find_pii(text, kinds))
    out.push_back({m.kind, std::string(text.substr(m.offset, m.length))});
  return out;
}

std::vector<found> one(pii_kind k, std::string v) {
  return {found{k, std::move(v)}};
}

}  // namespace

namespace Catch {
template <>
struct StringMaker<found> {
  static std::string convert(const found& f) {
    return std::string(pii_kind_names[index_of(f.kind)]) + "=" + f.value;
  }
};
}  // namespace Catch

TEST_CASE("pii: T.C. kimlik no check digits", "[pii]") {
  CHECK(valid_tckn("10000000146"));
  CHECK(valid_tckn("12345678950"));
  CHECK_FALSE(valid_tckn("12345678951"));  // d11 wrong
  CHECK_FALSE(valid_tckn("12345678940"));  // d10 wrong
  CHECK_FALSE(valid_tckn("02345678950"));  // first digit 0
  CHECK_FALSE(valid_tckn("1234567895"));   // 10 digits
  CHECK(values("TC 12345678950 ile") == one(pii_kind::tckn, "12345678950"));
  CHECK(values("TCKN12345678950'dir") == one(pii_kind::tckn, "12345678950"));
  CHECK(values("T.C.12345678950") == one(pii_kind::tckn, "12345678950"));
  CHECK(values("12345678951").empty());
  CHECK(values("912345678950").empty());  // inside a longer number
  CHECK(values("123456789501").empty());
  CHECK(values("SP12345678950").empty());  // the tail of a code
  CHECK(values("12345678950.5").empty());  // a decimal
}

TEST_CASE("pii: Turkish IBAN mod-97 in its spellings", "[pii]") {
  const std::string compact = "TR330006100519786457841326";
  CHECK(valid_tr_iban(compact));
  CHECK(valid_tr_iban("tr330006100519786457841326"));
  CHECK_FALSE(valid_tr_iban("TR330006100519786457841327"));
  CHECK_FALSE(valid_tr_iban("DE330006100519786457841326"));
  for (const std::string spelling :
       {"TR330006100519786457841326", "TR33 0006 1005 1978 6457 8413 26",
        "tr33 0006 1005 1978 6457 8413 26", "TR 33 0006 1005 1978 6457 8413 26",
        "TR33-0006-1005-1978-6457-8413-26", "Tr330006100519786457841326"}) {
    INFO(spelling);
    CHECK(values(spelling + " IBAN'ıma EFT") == one(pii_kind::iban, spelling));
    CHECK(values("IBAN:" + spelling + ".") == one(pii_kind::iban, spelling));
  }
  CHECK(values("TR33 0006 1005 1978 6457 8413 27").empty());
  CHECK(values("XTR330006100519786457841326").empty());
  CHECK(values("TR3300061005197864578413261").empty());  // 25 digits
}

TEST_CASE("pii: payment cards need Luhn, a known prefix and a card's grouping", "[pii]") {
  CHECK(luhn_valid("4111111111111111"));
  CHECK_FALSE(luhn_valid("4111111111111112"));
  CHECK(valid_card_number("4111111111111111"));        // Visa
  CHECK(valid_card_number("5555555555554444"));        // Mastercard
  CHECK(valid_card_number("2223003122003222"));        // Mastercard 2-series
  CHECK(valid_card_number("378282246310005"));         // Amex
  CHECK(valid_card_number("9792030000000000"));        // Troy
  CHECK_FALSE(valid_card_number("1111111111111117"));  // Luhn-valid, no scheme
  CHECK_FALSE(valid_card_number("37828224631000"));    // Amex is 15 digits
  for (const std::string spelling :
       {"4111111111111111", "4111 1111 1111 1111", "4111-1111-1111-1111", "3782 822463 10005",
        "5555-5555-5555-4444"}) {
    INFO(spelling);
    CHECK(values("Kartım " + spelling + " ile") == one(pii_kind::card, spelling));
  }
  CHECK(values("4111 1111 1111 1111 2024 yılında") == one(pii_kind::card, "4111 1111 1111 1111"));
  CHECK(values("4111 1111-1111 1111").empty());   // mixed separators
  CHECK(values("41 1111 1111 1111 11").empty());  // no card is written so
  CHECK(values("4111 1111 1111 1112").empty());   // Luhn
  CHECK(values("94111111111111111").empty());     // glued to a digit
}

TEST_CASE("pii: Turkish mobile numbers as people write them", "[pii]") {
  for (const std::string spelling :
       {"+90 532 123 45 67", "+905321234567", "05321234567", "0532 123 45 67", "0 532 123 45 67",
        "(0532) 123 45 67", "+90 (532) 123-45-67", "0090 532 123 45 67", "532 123 45 67",
        "5321234567", "0532-123-45-67", "0532 123 4567", "0532.123.45.67", "905321234567",
        "+90-532-123-4567"}) {
    INFO(spelling);
    CHECK(values("Numaram " + spelling + ", arayın") == one(pii_kind::phone, spelling));
  }
  CHECK(values("Sabit hat 0212 123 45 67").empty());  // a landline
  CHECK(values("5 321 234 567 TL").empty());          // an amount
  CHECK(values("5.321.234.567 TL").empty());
  CHECK(values("05321234567 8").size() == 1);
  CHECK(values("053212345678").empty());  // 12 digits
  CHECK(values("5221234567").empty());    // no operator 52x
  CHECK(values("+1 532 123 45 67").empty());
}

TEST_CASE("pii: e-mail addresses", "[pii]") {
  CHECK(values("adresim ayse.yilmaz@example.com.tr'dir") ==
        one(pii_kind::email, "ayse.yilmaz@example.com.tr"));
  CHECK(values("<selin.koc+banka@ornek.net>.") ==
        one(pii_kind::email, "selin.koc+banka@ornek.net"));
  CHECK(values("çağrı.öztürk@şirket.com.tr") == one(pii_kind::email, "çağrı.öztürk@şirket.com.tr"));
  CHECK(values("ali05321234567@example.com") == one(pii_kind::email, "ali05321234567@example.com"));
  CHECK(values("@garantibbva hesabı").empty());
  CHECK(values("fiyat@100").empty());
  CHECK(values("a@b").empty());
}

TEST_CASE("pii: finance text stays untouched", "[pii]") {
  for (const std::string text :
       {"BIST 100 endeksi", "1000 lot THYAO", "29.10.2024", "yüzde 45", "1.250.000 TL", "%6,875",
        "10.000 USD", "Sipariş no 20240512345", "ISIN TRAASELS91H2", "XU100 10.000 puan", "09:55",
        "F_XU0301224", "444 0 333", "1.000.000.000 TL"}) {
    INFO(text);
    CHECK(values(text).empty());
  }
}

TEST_CASE("pii: only the kinds asked for", "[pii]") {
  const std::string text = "TC 12345678950, kart 4111 1111 1111 1111, ali@example.com";
  CHECK(values(text).size() == 3);
  pii_kinds only_email;
  only_email.add(pii_kind::email);
  CHECK(values(text, only_email) == one(pii_kind::email, "ali@example.com"));
  CHECK(values(text, pii_kinds::none()).empty());
}

TEST_CASE("pii: PII_KINDS lists", "[pii]") {
  CHECK(parse_pii_kinds("all") == pii_kinds::all());
  CHECK(parse_pii_kinds("tckn,iban,card,phone,email") == pii_kinds::all());
  auto two = parse_pii_kinds(" IBAN , tckn ");
  REQUIRE(two);
  CHECK(two->has(pii_kind::iban));
  CHECK(two->has(pii_kind::tckn));
  CHECK_FALSE(two->has(pii_kind::card));
  CHECK_FALSE(parse_pii_kinds("iban,passport"));
  CHECK_FALSE(parse_pii_kinds(""));
}

TEST_CASE("pii: addresses never overlap (found by fuzz_pii)", "[pii]") {
  CHECK(values("iz@mail.exampiz@mail.example.io") == one(pii_kind::email, "iz@mail.exampiz"));
}
