#include "pii/pii_mapping.hpp"

#include <algorithm>

namespace gateway {
namespace {

constexpr std::size_t max_number_digits = 9;

void append_placeholder(std::string& out, pii_kind kind, std::uint32_t number) {
  out.push_back('[');
  out.append(pii_placeholder_names[index_of(kind)]);
  out.push_back('_');
  char digits[10];
  std::size_t n = 0;
  do {
    digits[n++] = static_cast<char>('0' + number % 10);
    number /= 10;
  } while (number != 0);
  while (n > 0) out.push_back(digits[--n]);
  out.push_back(']');
}

// Bytes at the end of `text` that begin a UTF-8 character the text does not finish.
std::size_t cut_character(std::string_view text) {
  const std::size_t n = text.size();
  for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(text[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    std::size_t need = 1;
    if ((c & 0xE0) == 0xC0)
      need = 2;
    else if ((c & 0xF0) == 0xE0)
      need = 3;
    else if ((c & 0xF8) == 0xF0)
      need = 4;
    return need > back ? back : 0;
  }
  return 0;
}

}  // namespace

const std::string_view pii_instruction =
    "Mesajlardaki [IBAN_1], [TCKN_1], [KART_1], [TEL_1], [EPOSTA_1] gibi köşeli parantezli "
    "ifadeler "
    "kişisel verilerin yerine konmuş yer tutuculardır: yanıtında onlardan söz ederken her birini "
    "köşeli parantezleriyle birlikte tam olarak yazıldığı gibi yaz, değiştirme, çevirme ve gerçek "
    "değerini tahmin etmeye çalışma.";

placeholder_scan scan_placeholder(std::string_view text) {
  using r = placeholder_scan::result;
  placeholder_scan out;
  std::size_t i = 1;
  const std::size_t letters_begin = i;
  while (i < text.size() && text[i] >= 'A' && text[i] <= 'Z' && i - letters_begin < 6) ++i;
  const auto letters = text.substr(letters_begin, i - letters_begin);
  std::size_t kind = pii_kind_count;
  bool prefix = false;
  for (std::size_t k = 0; k < pii_kind_count; ++k) {
    if (pii_placeholder_names[k] == letters) kind = k;
    if (pii_placeholder_names[k].starts_with(letters)) prefix = true;
  }
  if (!prefix) return out;
  if (i == text.size()) {
    out.what = r::partial;
    return out;
  }
  if (kind == pii_kind_count || text[i] != '_') return out;
  ++i;
  std::uint32_t number = 0;
  const std::size_t digits_begin = i;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (i == digits_begin && text[i] == '0') return out;
    if (i - digits_begin == max_number_digits) return out;
    number = number * 10 + static_cast<std::uint32_t>(text[i] - '0');
    ++i;
  }
  if (i == text.size()) {
    out.what = r::partial;
    return out;
  }
  if (text[i] != ']' || i == digits_begin) return out;
  out.what = r::yes;
  out.length = i + 1;
  out.kind = static_cast<pii_kind>(kind);
  out.number = number;
  return out;
}

pii_mapping::tables& pii_mapping::index() {
  if (!index_) index_ = std::make_unique<tables>();
  return *index_;
}

void pii_mapping::reserve(std::string_view text) {
  for (auto at = text.find('['); at != std::string_view::npos; at = text.find('[', at + 1)) {
    const auto s = scan_placeholder(text.substr(at));
    if (s.what != placeholder_scan::result::yes) continue;
    index().reserved.insert(id(s.kind, s.number));
  }
}

std::uint32_t pii_mapping::next_number(pii_kind kind) {
  auto& n = last_[index_of(kind)];
  do {
    ++n;
  } while (index_ && index_->reserved.count(id(kind, n)) != 0);
  return n;
}

std::optional<std::string> pii_mapping::pseudonymise(std::string_view text, pii_kinds kinds) {
  const auto found = find_pii(text, kinds);
  if (found.empty()) return std::nullopt;
  reserve(text);
  std::string out;
  out.reserve(text.size() + 16);
  std::size_t at = 0;
  for (const auto& m : found) {
    out.append(text.substr(at, m.offset - at));
    const auto value = text.substr(m.offset, m.length);
    std::string key(1, static_cast<char>(index_of(m.kind)));
    key.append(value);
    auto& tables = index();
    const auto [it, fresh] = tables.by_value.try_emplace(std::move(key), entries_.size());
    if (fresh) {
      const auto number = next_number(m.kind);
      entries_.push_back({m.kind, number, std::string(value)});
      tables.by_number.emplace(id(m.kind, number), entries_.size() - 1);
    }
    const auto& e = entries_[it->second];
    append_placeholder(out, e.kind, e.number);
    ++replaced_[index_of(m.kind)];
    at = m.offset + m.length;
  }
  out.append(text.substr(at));
  return out;
}

const std::string* pii_mapping::value(pii_kind kind, std::uint32_t number) const {
  if (entries_.empty()) return nullptr;
  const auto it = index_->by_number.find(id(kind, number));
  return it == index_->by_number.end() ? nullptr : &entries_[it->second].value;
}

void pii_mapping::restore_into(std::string_view text, std::string& out) const {
  std::size_t at = 0;
  for (auto open = text.find('['); open != std::string_view::npos; open = text.find('[', at)) {
    out.append(text.substr(at, open - at));
    const auto s = scan_placeholder(text.substr(open));
    const std::string* v =
        s.what == placeholder_scan::result::yes ? value(s.kind, s.number) : nullptr;
    if (v) {
      out.append(*v);
      at = open + s.length;
    } else {
      out.push_back('[');
      at = open + 1;
    }
  }
  out.append(text.substr(at));
}

std::string pii_mapping::restore(std::string_view text) const {
  std::string out;
  out.reserve(text.size() + 32);
  restore_into(text, out);
  return out;
}

void pii_restorer::feed(std::string_view piece, std::string& out) {
  if (held_.empty()) {
    run(piece, false, out);
    return;
  }
  std::string text = std::move(held_);
  held_.clear();
  text.append(piece);
  run(text, false, out);
}

void pii_restorer::finish(std::string& out) {
  std::string text = std::move(held_);
  held_.clear();
  run(text, true, out);
}

void pii_restorer::run(std::string_view text, bool last, std::string& out) {
  std::size_t at = 0;
  for (auto open = text.find('['); open != std::string_view::npos; open = text.find('[', at)) {
    out.append(text.substr(at, open - at));
    const auto s = scan_placeholder(text.substr(open));
    if (s.what == placeholder_scan::result::partial && !last) {
      held_.assign(text.substr(open));  // may still become a placeholder
      return;
    }
    const std::string* v =
        s.what == placeholder_scan::result::yes ? mapping_->value(s.kind, s.number) : nullptr;
    if (v) {
      out.append(*v);
      at = open + s.length;
    } else {
      out.push_back('[');
      at = open + 1;
    }
  }
  auto rest = text.substr(at);
  const std::size_t cut = last ? 0 : cut_character(rest);
  out.append(rest.substr(0, rest.size() - cut));
  if (cut) held_.assign(rest.substr(rest.size() - cut));
}

}  // namespace gateway
