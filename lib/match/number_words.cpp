#include "match/number_words.hpp"

#include <array>
#include <utility>

namespace gateway::number_words {
namespace {

constexpr std::array<std::pair<std::string_view, long long>, 22> values{{
    {"sifir", 0},  {"bir", 1},     {"iki", 2},     {"uc", 3},       {"dort", 4},        {"bes", 5},
    {"alti", 6},   {"yedi", 7},    {"sekiz", 8},   {"dokuz", 9},    {"on", 10},         {"yirmi", 20},
    {"otuz", 30},  {"kirk", 40},   {"elli", 50},   {"altmis", 60},  {"yetmis", 70},     {"seksen", 80},
    {"doksan", 90}, {"yuz", 100},  {"bin", 1000},  {"milyon", 1000000},
}};

constexpr std::array<std::string_view, 24> units{
    "lot",  "tl",     "lira",  "kurus", "dolar", "euro",    "yil",     "yillik", "sene",   "senelik", "ay",    "aylik",
    "hafta", "haftalik", "gun", "gunluk", "gram", "adet",   "hisse",   "kat",    "puan",   "baz",     "ceyrek", "ons"};

}  // namespace

std::optional<long long> value_of(std::string_view word) {
  if (word == "milyar") return 1000000000LL;
  for (const auto& [w, v] : values)
    if (w == word) return v;
  return std::nullopt;
}

bool is_unit(std::string_view word) {
  for (const auto u : units)
    if (u == word) return true;
  return false;
}

std::optional<std::string> read(const std::vector<std::string_view>& words) {
  long long total = 0, group = 0;
  bool half = false;
  long long last_multiplier = 0;  // a larger multiplier may not follow a smaller one ("bin milyon")
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (words[i] == "bucuk") {
      if (i + 1 != words.size() || i == 0) return std::nullopt;
      half = true;
      continue;
    }
    const auto v = value_of(words[i]);
    if (!v) return std::nullopt;
    if (*v == 100) {
      if (group % 100 != 0 && group > 9) return std::nullopt;
      group = (group == 0 ? 1 : group) * 100;
    } else if (*v >= 1000) {
      if (last_multiplier != 0 && *v >= last_multiplier) return std::nullopt;
      total += (group == 0 ? 1 : group) * *v;
      group = 0;
      last_multiplier = *v;
    } else {
      // Tens before units, one of each: "on beş", not "beş on" or "on on".
      if (*v >= 10 && group % 100 != 0) return std::nullopt;
      if (*v < 10 && group % 10 != 0) return std::nullopt;
      group += *v;
    }
  }
  std::string out = std::to_string(total + group);
  if (half) out += ",5";
  return out;
}

}  // namespace gateway::number_words
