#include "tools/load/hdr_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace gateway::bench {
namespace {
constexpr std::uint64_t sub_buckets = std::uint64_t{1} << hdr_histogram::sub_bucket_bits;
// Values below 2 * sub_buckets are counted exactly (bucket width 1); above, each power of two
// [2^k, 2^(k+1)) gets sub_buckets buckets of width 2^(k - sub_bucket_bits).
constexpr std::size_t bucket_count = (64 - hdr_histogram::sub_bucket_bits + 1) * sub_buckets;
}  // namespace

hdr_histogram::hdr_histogram() : counts_(bucket_count, 0) {}

std::size_t hdr_histogram::index_of(std::uint64_t value) {
  if (value < 2 * sub_buckets) return static_cast<std::size_t>(value);
  const unsigned magnitude = 63u - static_cast<unsigned>(std::countl_zero(value));  // >= sub_bucket_bits + 1
  const unsigned shift = magnitude - sub_bucket_bits;
  const auto sub = (value >> shift) - sub_buckets;  // in [0, sub_buckets)
  return static_cast<std::size_t>((shift + 1) * sub_buckets + sub);
}

std::uint64_t hdr_histogram::upper_edge(std::size_t index) {
  if (index < 2 * sub_buckets) return index;
  const auto shift = static_cast<unsigned>(index / sub_buckets) - 1;
  const auto sub = index % sub_buckets;
  return ((sub_buckets + sub + 1) << shift) - 1;
}

void hdr_histogram::record(std::uint64_t value) {
  value = std::max<std::uint64_t>(value, 1);
  ++counts_[index_of(value)];
  ++count_;
  sum_ += value;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
}

void hdr_histogram::merge(const hdr_histogram& other) {
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t hdr_histogram::quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value asked for (1-based): at least 1, at most count.
  const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(upper_edge(i), max_);
  }
  return max_;
}

}  // namespace gateway::bench
