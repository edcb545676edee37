// Finding personal data in Turkish text: T.C. kimlik numaraları, Turkish IBANs, payment card
// numbers, Turkish mobile numbers and e-mail addresses. Pure, one pass, no allocation but the
// result.
//
// Only a value that passes its own checks is one (check digits, mod-97, Luhn and a known card
// prefix, a mobile operator's prefix and a phone number's grouping, an address's shape), so the
// numbers of ordinary finance text - "BIST 100", "1000 lot", "29.10.2024", "yüzde 45",
// "1.250.000 TL", order numbers - are never taken. A value is a whole: digits directly before or
// after it, or a decimal point or comma followed by a digit, make it part of a longer number, which
// is not a value. What is not detected (names, addresses, account numbers without an IBAN, landline
// numbers, foreign identifiers) is listed in docs/security.md.
#pragma once

#include "pii/pii_kind.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace gateway {

struct pii_match {
  std::size_t offset = 0;  // in bytes, into the text searched
  std::size_t length = 0;
  pii_kind kind = pii_kind::tckn;
  bool operator==(const pii_match&) const = default;
};

/// Every value of the `kinds` asked for in `text`, in order, none overlapping.
std::vector<pii_match> find_pii(std::string_view text, pii_kinds kinds = pii_kinds::all());

// The checks on their own (digits only, no separators), for tests and the test-data generator.
/// 11 digits, the first not 0, both check digits right.
bool valid_tckn(std::string_view digits);
/// "TR" and 24 digits, mod-97 of the rearranged number 1 (case-insensitive "tr").
bool valid_tr_iban(std::string_view compact);
bool luhn_valid(std::string_view digits);
/// 13 to 19 digits, Luhn-valid, with a prefix and length of a known card scheme.
bool valid_card_number(std::string_view digits);

}  // namespace gateway
