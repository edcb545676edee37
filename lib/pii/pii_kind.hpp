// The kinds of personal data the gateway recognises in Turkish text, their placeholder names, and
// which of them are on (PII_PROTECTION, PII_KINDS). Pure; shared by detection, the mapping, the
// configuration and the metrics (counts per kind, never values).
//
// Placeholder names are Turkish, as the model answers in Turkish and keeps a word it can read:
//   tckn  -> [TCKN_n]    T.C. kimlik numarası
//   iban  -> [IBAN_n]    Turkish IBAN
//   card  -> [KART_n]    payment card number
//   phone -> [TEL_n]     Turkish mobile number
//   email -> [EPOSTA_n]  e-mail address
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace gateway {

enum class pii_kind : std::uint8_t { tckn, iban, card, phone, email };
inline constexpr std::size_t pii_kind_count = 5;

/// The name in PII_KINDS and in metric labels.
inline constexpr std::array<std::string_view, pii_kind_count> pii_kind_names{"tckn", "iban", "card",
                                                                             "phone", "email"};
/// The name inside a placeholder: [NAME_n].
inline constexpr std::array<std::string_view, pii_kind_count> pii_placeholder_names{
    "TCKN", "IBAN", "KART", "TEL", "EPOSTA"};

constexpr std::size_t index_of(pii_kind k) {
  return static_cast<std::size_t>(k);
}

/// A set of kinds, as a bit mask.
class pii_kinds {
 public:
  constexpr pii_kinds() = default;
  static constexpr pii_kinds all() { return pii_kinds((1u << pii_kind_count) - 1); }
  static constexpr pii_kinds none() { return pii_kinds(0); }
  constexpr bool has(pii_kind k) const { return (bits_ >> index_of(k)) & 1u; }
  constexpr void add(pii_kind k) { bits_ |= 1u << index_of(k); }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool operator==(const pii_kinds&) const = default;

 private:
  constexpr explicit pii_kinds(unsigned bits) : bits_(bits) {}
  unsigned bits_ = 0;
};

/// PII_KINDS: a comma-separated list of kind names (spaces around names allowed, case-insensitive,
/// "all" for every kind). nullopt for an unknown name or an empty list.
std::optional<pii_kinds> parse_pii_kinds(std::string_view list);

/// What the gateway does with personal data in requests.
struct pii_settings {
  /// PII_PROTECTION: detected values are replaced by placeholders before anything else sees the
  /// request (cache key, upstream, Redis, logs) and restored in each client's answer.
  bool enabled = true;
  /// PII_KINDS: which kinds are detected (default all).
  pii_kinds kinds = pii_kinds::all();

  bool active() const { return enabled && !kinds.empty(); }
  bool operator==(const pii_settings&) const = default;  // a reload compares whole configurations
};

}  // namespace gateway
