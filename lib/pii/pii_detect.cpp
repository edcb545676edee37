#include "pii/pii_detect.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace gateway {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The Turkish letters outside ASCII (ç ğ ı ö ş ü and capitals), each two bytes in UTF-8: an address
// written with them is taken whole, not cut after its last ASCII letter.
bool is_turkish_letter(unsigned char a, unsigned char b) {
  switch (a) {
    case 0xC3:
      return b == 0xA7 || b == 0x87 || b == 0xB6 || b == 0x96 || b == 0xBC || b == 0x9C;
    case 0xC4:
      return b == 0x9F || b == 0x9E || b == 0xB1 || b == 0xB0;
    case 0xC5:
      return b == 0x9F || b == 0x9E;
    default:
      return false;
  }
}

// ---- boundaries ----

// Words after which a number may follow without a space ("TC12345678950", "tel05321234567").
bool is_label_word(std::string_view w) {
  std::string low;
  for (char c : w) low.push_back(lower(c));
  return low == "tc" || low == "tckn" || low == "tel" || low == "gsm" || low == "cep" ||
         low == "no";
}

// Whether a number may begin at `i`: not inside a longer number, not the tail of a code
// ("SP123...").
bool starts_clean(std::string_view t, std::size_t i) {
  if (i == 0) return true;
  const char p = t[i - 1];
  if (is_digit(p)) return false;
  if ((p == '.' || p == ',') && i >= 2 && is_digit(t[i - 2])) return false;  // 1.250.000, 3,14
  if (t[i] == '+' && p == '+') return false;
  // The rest of a foreign number: "+1 532 123 45 67" is no Turkish number.
  if ((p == ' ' || p == '-') && i >= 2 && is_digit(t[i - 2])) {
    std::size_t s = i - 2;
    while (s > 0 && is_digit(t[s - 1])) --s;
    if (s > 0 && t[s - 1] == '+') return false;
  }
  if (is_ascii_letter(p)) {
    std::size_t s = i - 1;
    while (s > 0 && is_ascii_letter(t[s - 1])) --s;
    if (s > 0 && (is_digit(t[s - 1]) || static_cast<unsigned char>(t[s - 1]) >= 0x80)) return false;
    return is_label_word(t.substr(s, i - s));
  }
  return true;
}

// Whether a number may end at `j`: no digit follows, nor a decimal point or comma and a digit.
bool ends_clean(std::string_view t, std::size_t j) {
  if (j >= t.size()) return true;
  const char n = t[j];
  if (is_digit(n)) return false;
  if ((n == '.' || n == ',') && j + 1 < t.size() && is_digit(t[j + 1])) return false;
  return true;
}

std::size_t digit_run(std::string_view t, std::size_t i) {
  std::size_t j = i;
  while (j < t.size() && is_digit(t[j])) ++j;
  return j - i;
}

// ---- IBAN: TR, then 24 digits, a single space or dash allowed between any two ----

std::size_t match_iban(std::string_view t, std::size_t i) {
  if (i + 2 > t.size() || lower(t[i]) != 't' || lower(t[i + 1]) != 'r') return 0;
  if (i > 0 && (is_ascii_letter(t[i - 1]) || is_digit(t[i - 1]))) return 0;
  std::size_t j = i + 2;
  if (j < t.size() && t[j] == ' ') ++j;
  char digits[24];
  std::size_t n = 0;
  while (n < 24) {
    if (j >= t.size()) return 0;
    if (is_digit(t[j])) {
      digits[n++] = t[j++];
      continue;
    }
    if (n > 0 && (t[j] == ' ' || t[j] == '-') && j + 1 < t.size() && is_digit(t[j + 1])) {
      ++j;
      continue;
    }
    return 0;
  }
  if (!ends_clean(t, j)) return 0;
  std::array<char, 26> compact{'T', 'R'};
  std::copy(digits, digits + 24, compact.begin() + 2);
  return valid_tr_iban(std::string_view(compact.data(), compact.size())) ? j - i : 0;
}

// ---- groups of digits with single separators (cards, phones) ----

struct group {
  std::size_t begin = 0, end = 0;  // digits [begin, end)
  std::size_t close = 0;           // end of the group including a ')' right after it
};

// ---- payment cards: contiguous, or 4-4-4-(1..4)[-(1..4)] groups, or Amex/Diners 4-6-(4|5) ----

bool card_grouping(const group* g, std::size_t n) {
  if (n == 1) return true;
  auto len = [&](std::size_t k) { return g[k].end - g[k].begin; };
  if (n == 3 && len(0) == 4 && len(1) == 6 && (len(2) == 5 || len(2) == 4)) return true;
  if (n < 4) return false;
  for (std::size_t k = 0; k + 1 < n; ++k)
    if (len(k) != 4) return false;
  return len(n - 1) >= 1 && len(n - 1) <= 4;
}

std::size_t match_card(std::string_view t, std::size_t i) {
  if (!is_digit(t[i])) return 0;
  std::array<group, 6> g;
  std::size_t n = 0, total = 0;
  std::size_t j = i;
  char sep = 0;
  while (n < g.size()) {
    const auto len = digit_run(t, j);
    if (len == 0) break;
    g[n++] = {j, j + len, j + len};
    total += len;
    j += len;
    if (total >= 19 || j + 1 >= t.size()) break;
    const char s = t[j];
    if ((s != ' ' && s != '-') || (sep && s != sep) || !is_digit(t[j + 1])) break;
    sep = s;
    ++j;
  }
  for (std::size_t k = n; k > 0; --k) {
    std::size_t digits = 0;
    for (std::size_t m = 0; m < k; ++m) digits += g[m].end - g[m].begin;
    if (digits < 13 || digits > 19 || !card_grouping(g.data(), k)) continue;
    const auto end = g[k - 1].end;
    if (!ends_clean(t, end)) continue;
    char buf[19];
    std::size_t d = 0;
    for (std::size_t m = 0; m < k; ++m)
      for (auto p = g[m].begin; p < g[m].end; ++p) buf[d++] = t[p];
    if (valid_card_number(std::string_view(buf, d))) return end - i;
  }
  return 0;
}

// ---- T.C. kimlik no: 11 contiguous digits ----

std::size_t match_tckn(std::string_view t, std::size_t i) {
  const auto len = digit_run(t, i);
  if (len != 11 || !ends_clean(t, i + 11)) return 0;
  return valid_tckn(t.substr(i, 11)) ? 11 : 0;
}

// ---- Turkish mobile numbers ----
// +90 / 0090 / 90 / 0 / nothing, then 10 national digits 5[03456]x xxx xx xx, grouped as people
// write them: a group may end only after the prefix or after 3, 6 or 8 national digits
// (532 123 45 67, 0532 123 4567, +90 (532) 1234567, 5321234567). Separators: one space, dash or
// dot, and one pair of parentheses around a group.

std::size_t match_phone(std::string_view t, std::size_t i) {
  std::size_t j = i;
  const bool plus = t[j] == '+';
  if (plus) ++j;
  bool open = false, closed = false;
  std::size_t open_before = 0;  // the group a '(' came before
  if (j < t.size() && t[j] == '(') {
    open = true;
    ++j;
  }
  std::array<group, 6> g;
  std::size_t n = 0, total = 0;
  while (n < g.size()) {
    const auto len = digit_run(t, j);
    if (len == 0) break;
    g[n] = {j, j + len, j + len};
    total += len;
    j += len;
    ++n;
    if (total > 14) return 0;
    std::size_t k = j;
    if (k < t.size() && t[k] == ')' && open && !closed) {
      closed = true;
      g[n - 1].close = ++k;
    }
    if (k < t.size() && (t[k] == ' ' || t[k] == '-' || t[k] == '.')) ++k;
    if (k < t.size() && t[k] == '(' && !open) {
      open = true;
      open_before = n;
      ++k;
    }
    if (k == j || k >= t.size() || !is_digit(t[k])) break;
    j = k;
  }
  if (n == 0) return 0;

  for (std::size_t k = n; k > 0; --k) {
    // Parentheses must open and close within the groups taken.
    if (open && (open_before >= k || !closed)) continue;
    if (closed) {
      bool closes_here = false;
      for (std::size_t m = 0; m < k; ++m) closes_here |= g[m].close != g[m].end;
      if (!closes_here) continue;
    }
    char d[14];
    std::size_t len = 0;
    std::array<std::size_t, 6> bounds{};
    for (std::size_t m = 0; m < k; ++m) {
      const auto glen = g[m].end - g[m].begin;
      if (len + glen > sizeof d) {
        len = sizeof d + 1;
        break;
      }
      std::copy(t.begin() + static_cast<std::ptrdiff_t>(g[m].begin),
                t.begin() + static_cast<std::ptrdiff_t>(g[m].end), d + len);
      len += glen;
      bounds[m] = len;
    }
    if (len > sizeof d) continue;
    const std::string_view digits(d, len);
    std::size_t p = 0;
    if (plus) {
      if (!digits.starts_with("90")) return 0;
      p = 2;
    } else if (digits.starts_with("0090")) {
      p = 4;
    } else if (digits.starts_with("90") && len == 12) {
      p = 2;
    } else if (digits.starts_with("0")) {
      p = 1;
    }
    if (len - p != 10) continue;
    const auto national = digits.substr(p);
    if (national[0] != '5') continue;
    const char op = national[1];
    if (op != '0' && op != '3' && op != '4' && op != '5' && op != '6') continue;
    bool grouping = true;
    for (std::size_t m = 0; m + 1 < k; ++m) {
      const auto rel = static_cast<long>(bounds[m]) - static_cast<long>(p);
      if (!((rel == 0 && p > 0) || rel == 3 || rel == 6 || rel == 8)) grouping = false;
    }
    if (!grouping) continue;
    const auto end = g[k - 1].close;
    if (!ends_clean(t, g[k - 1].end)) continue;
    if (end != g[k - 1].end && !ends_clean(t, end)) continue;
    return end - i;
  }
  return 0;
}

// ---- e-mail addresses ----

bool is_local_char(char c) {
  return is_ascii_letter(c) || is_digit(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
         c == '-';
}
bool is_domain_char(char c) {
  return is_ascii_letter(c) || is_digit(c) || c == '.' || c == '-';
}

void find_emails(std::string_view t, std::vector<pii_match>& out) {
  std::size_t taken = 0;  // the end of the last address: the next one's local part begins after it
  for (auto at = t.find('@'); at != std::string_view::npos; at = t.find('@', at + 1)) {
    std::size_t s = at;
    for (;;) {
      if (s > taken && is_local_char(t[s - 1])) {
        --s;
      } else if (s > taken + 1 && is_turkish_letter(static_cast<unsigned char>(t[s - 2]),
                                                    static_cast<unsigned char>(t[s - 1]))) {
        s -= 2;
      } else {
        break;
      }
    }
    while (s < at && t[s] == '.') ++s;
    if (s == at || t[at - 1] == '.') continue;
    if (t.substr(s, at - s).find("..") != std::string_view::npos) continue;
    std::size_t e = at + 1;
    for (;;) {
      if (e < t.size() && is_domain_char(t[e])) {
        ++e;
      } else if (e + 1 < t.size() && is_turkish_letter(static_cast<unsigned char>(t[e]),
                                                       static_cast<unsigned char>(t[e + 1]))) {
        e += 2;
      } else {
        break;
      }
    }
    while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;
    const auto domain = t.substr(at + 1, e - at - 1);
    const auto dot = domain.rfind('.');
    if (dot == std::string_view::npos || domain.find("..") != std::string_view::npos ||
        domain.front() == '.' || domain.front() == '-')
      continue;
    const auto tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), is_ascii_letter)) continue;
    out.push_back({s, e - s, pii_kind::email});
    taken = e;
  }
}

}  // namespace

bool valid_tckn(std::string_view d) {
  if (d.size() != 11 || !std::all_of(d.begin(), d.end(), is_digit) || d[0] == '0') return false;
  int v[11];
  for (int k = 0; k < 11; ++k) v[k] = d[static_cast<std::size_t>(k)] - '0';
  const int odd = v[0] + v[2] + v[4] + v[6] + v[8];
  const int even = v[1] + v[3] + v[5] + v[7];
  const int d10 = ((odd * 7 - even) % 10 + 10) % 10;
  if (v[9] != d10) return false;
  int sum = 0;
  for (int k = 0; k < 10; ++k) sum += v[k];
  return v[10] == sum % 10;
}

bool valid_tr_iban(std::string_view c) {
  if (c.size() != 26 || lower(c[0]) != 't' || lower(c[1]) != 'r') return false;
  if (!std::all_of(c.begin() + 2, c.end(), is_digit)) return false;
  // BBAN, then the country as numbers (T = 29, R = 27), then the check digits; mod 97 piecewise.
  unsigned rem = 0;
  auto feed = [&](char ch) { rem = (rem * 10 + static_cast<unsigned>(ch - '0')) % 97; };
  for (std::size_t k = 4; k < 26; ++k) feed(c[k]);
  for (char ch : std::string_view("2927")) feed(ch);
  feed(c[2]);
  feed(c[3]);
  return rem == 1;
}

bool luhn_valid(std::string_view d) {
  if (d.empty()) return false;
  unsigned sum = 0;
  bool twice = false;
  for (auto it = d.rbegin(); it != d.rend(); ++it) {
    if (!is_digit(*it)) return false;
    unsigned v = static_cast<unsigned>(*it - '0');
    if (twice) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool valid_card_number(std::string_view d) {
  const auto n = d.size();
  if (n < 13 || n > 19 || !luhn_valid(d)) return false;
  auto prefix = [&](std::size_t k) {
    unsigned v = 0;
    for (std::size_t i = 0; i < k; ++i) v = v * 10 + static_cast<unsigned>(d[i] - '0');
    return v;
  };
  const unsigned p2 = prefix(2), p3 = prefix(3), p4 = prefix(4);
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;                     // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // American Express
  if (p4 == 9792) return n == 16;                                            // Troy
  if (p4 == 6011 || (p3 >= 644 && p3 <= 649) || p2 == 65) return n >= 16;    // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16;                              // JCB
  if ((p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39) return n >= 14;   // Diners
  if (p2 == 62) return n >= 16;                                                       // UnionPay
  for (unsigned m : {5018u, 5020u, 5038u, 5893u, 6304u, 6759u, 6761u, 6762u, 6763u})  // Maestro
    if (p4 == m) return true;
  return false;
}

namespace {

// The bytes a number-based value may begin with (digits, '+', '(') or an IBAN ('T', 't'): the scan
// skips everything else without a look at the rules.
constexpr std::array<bool, 256> candidate_bytes = [] {
  std::array<bool, 256> out{};
  for (char c = '0'; c <= '9'; ++c) out[static_cast<unsigned char>(c)] = true;
  for (char c : {'+', '(', 'T', 't'}) out[static_cast<unsigned char>(c)] = true;
  return out;
}();

// How many digits the number beginning at `i` holds, reading over the separators a card or a phone
// may have (at most two in a row: ") "), and where it ends. Fewer than 10 digits (the shortest
// value, a mobile number without its 0) and it cannot hold a value: "BIST 100", "1.250.000 TL" and
// "29.10.2024" are passed over at once.
std::pair<std::size_t, std::size_t> number_extent(std::string_view t, std::size_t i) {
  std::size_t digits = 0, separators = 0, j = i;
  for (; j < t.size(); ++j) {
    const char c = t[j];
    if (is_digit(c)) {
      ++digits;
      separators = 0;
    } else if ((c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '+') &&
               separators < 2) {
      ++separators;
    } else {
      break;
    }
  }
  return {digits, j};
}

}  // namespace

std::vector<pii_match> find_pii(std::string_view t, pii_kinds kinds) {
  std::vector<pii_match> out;
  if (kinds.empty()) return out;
  if (kinds.has(pii_kind::email)) find_emails(t, out);
  const std::size_t emails = out.size();
  std::size_t next_email = 0;
  const bool numbers = kinds.has(pii_kind::iban) || kinds.has(pii_kind::card) ||
                       kinds.has(pii_kind::tckn) || kinds.has(pii_kind::phone);
  for (std::size_t i = 0; numbers && i < t.size();) {
    while (i < t.size() && !candidate_bytes[static_cast<unsigned char>(t[i])]) ++i;
    if (i == t.size()) break;
    // Inside an address: its digits are the address's.
    if (emails) {
      while (next_email < emails && out[next_email].offset + out[next_email].length <= i)
        ++next_email;
      if (next_email < emails && out[next_email].offset <= i) {
        i = out[next_email].offset + out[next_email].length;
        continue;
      }
    }
    const char c = t[i];
    const bool digit = is_digit(c);
    std::size_t len = 0;
    pii_kind kind = pii_kind::tckn;
    if (c == 'T' || c == 't') {
      if (kinds.has(pii_kind::iban)) {
        len = match_iban(t, i);
        kind = pii_kind::iban;
      }
    } else if (const auto extent = number_extent(t, i); extent.first < 10) {
      i = std::max(extent.second, i + 1);  // too few digits for any value
      continue;
    } else if (starts_clean(t, i)) {
      if (digit && kinds.has(pii_kind::card) && (len = match_card(t, i))) kind = pii_kind::card;
      if (!len && digit && kinds.has(pii_kind::tckn) && (len = match_tckn(t, i)))
        kind = pii_kind::tckn;
      if (!len && kinds.has(pii_kind::phone) && (digit || i + 1 < t.size()) &&
          (len = match_phone(t, i)))
        kind = pii_kind::phone;
    }
    // A value may not run into an address that follows it.
    if (len && next_email < emails && i + len > out[next_email].offset) len = 0;
    if (len) {
      out.push_back({i, len, kind});
      i += len;
    } else if (digit) {
      i += digit_run(t, i);  // the rest of this number cannot begin a value
    } else {
      ++i;
    }
  }
  if (emails != out.size() && emails != 0)
    std::sort(out.begin(), out.end(),
              [](const pii_match& a, const pii_match& b) { return a.offset < b.offset; });
  return out;
}

std::optional<pii_kinds> parse_pii_kinds(std::string_view list) {
  pii_kinds out = pii_kinds::none();
  bool any = false;
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto name = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
    std::string low;
    for (char ch : name) low.push_back(lower(ch));
    if (low == "all") {
      out = pii_kinds::all();
      any = true;
      continue;
    }
    const auto it = std::find(pii_kind_names.begin(), pii_kind_names.end(), low);
    if (it == pii_kind_names.end()) return std::nullopt;
    out.add(static_cast<pii_kind>(it - pii_kind_names.begin()));
    any = true;
  }
  if (!any) return std::nullopt;
  return out;
}

}  // namespace gateway
