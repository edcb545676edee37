// A log-linear histogram in the manner of HdrHistogram: values are counted in buckets whose width
// grows with the value (each power of two split into 128 sub-buckets), so any recorded value is
// reported within 1/128 (< 0.8 %) of itself, memory is fixed (64 KiB) whatever the sample count, and
// recording is an index computation and an increment. Not thread-safe: one per worker, merged.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace gateway::bench {

class hdr_histogram {
 public:
  static constexpr unsigned sub_bucket_bits = 7;  // 128 sub-buckets per power of two

  hdr_histogram();

  /// Records one value (e.g. nanoseconds); 0 is counted as 1.
  void record(std::uint64_t value);
  void merge(const hdr_histogram& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t min() const { return count_ ? min_ : 0; }
  std::uint64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  /// The value at quantile q in [0, 1] (e.g. 0.99): the upper edge of the bucket holding it, capped
  /// at the largest value recorded; 0 when empty.
  std::uint64_t quantile(double q) const;

 private:
  static std::size_t index_of(std::uint64_t value);
  static std::uint64_t upper_edge(std::size_t index);

  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0, min_ = UINT64_MAX, max_ = 0;
  std::uint64_t sum_ = 0;  // nanoseconds: room for 584 years of samples
};

}  // namespace gateway::bench
