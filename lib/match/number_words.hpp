// Turkish number words read as numbers for the similar-question form: "üç aylık" ~ "3 aylık",
// "yüzde on beş" ~ "%15", "bir buçuk" ~ "1,5", "5 bin" ~ "5000" (folded words in, the form's
// number spelling out: no thousands mark, a decimal comma).
// A single number word is read only before a unit it counts ("üç aylık", "bir yıl") or after
// "yüzde": alone it is often another word ("on" is also "ön", "beş" is also "BES" folded).
// Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway::number_words {

/// The value of one number word ("on" -> 10, "bin" -> 1000), or nullopt.
std::optional<long long> value_of(std::string_view word);
/// Whether `word` is a unit a lone number word may count ("lot", "tl", "yil", "aylik", ...).
bool is_unit(std::string_view word);
/// The number spelled by words[0..n) (all number words, "bucuk" last allowed), as the form writes
/// it; nullopt for a run that is not one number ("bin bin").
std::optional<std::string> read(const std::vector<std::string_view>& words);

}  // namespace gateway::number_words
