#include "tools/load/question_source.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>

namespace gateway::bench {
namespace {

// SplitMix64: a well-mixed 64-bit value from an index, without state.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

const std::vector<std::string> builtin = {
    "BIST 100 nedir?", "Enflasyon faizleri nasıl etkiler?", "Temettü verimi nasıl hesaplanır?",
    "Döviz kuru neden dalgalanır?", "Altın yatırımı güvenli mi?", "Halka arz nedir, nasıl katılırım?",
    "Repo faizi ne demek?", "Kur korumalı mevduat nasıl çalışır?", "Borsa İstanbul'da işlem saatleri nedir?",
    "Hisse senedi ile tahvil arasındaki fark nedir?", "Yatırım fonu seçerken nelere bakmalıyım?",
    "Merkez Bankası politika faizini neden değiştirir?", "Katılım endeksi nedir?", "Eurobond nedir?",
    "Kaldıraçlı işlemler riskli mi?", "Portföy çeşitlendirmesi neden önemlidir? 📈"};

}  // namespace

question_source::question_source(std::vector<std::string> base, double repeat, unsigned hot, std::uint64_t seed)
    : base_(base.empty() ? builtin : std::move(base)), repeat_(repeat), hot_(hot ? hot : 1), seed_(seed) {}

bool question_source::is_repeat(std::uint64_t index) const {
  // The top 53 bits as a uniform value in [0, 1).
  const double u = static_cast<double>(mix(seed_ ^ mix(index)) >> 11) * 0x1.0p-53;
  return u < repeat_;
}

std::string question_source::at(std::uint64_t index) const {
  if (is_repeat(index)) {
    const auto h = mix(seed_ + index) % hot_;
    return fmt::format("{} (#h{})", base_[h % base_.size()], h);
  }
  // A question of its own: the index makes it unique (and a cache miss).
  return fmt::format("{} (#{}-{})", base_[index % base_.size()], seed_, index);
}

std::vector<std::string> read_questions(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) out.push_back(std::move(line));
  }
  if (out.empty()) throw std::runtime_error(path + " has no questions");
  return out;
}

}  // namespace gateway::bench
