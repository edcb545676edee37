// lib/trace/sampler: OTEL_TRACES_SAMPLER's names and argument, parent-based decisions, and the
// trace-id ratio - the same decision for the same trace everywhere, about the share asked for.
#include "trace/sampler.hpp"

#include <catch2/catch.hpp>

#include <cstdio>

using namespace gateway;

namespace {
trace_id_hex id_of(std::uint64_t low) {
  trace_id_hex id{};
  std::snprintf(id.data(), 17, "%016llx", 0x0123456789abcdefull);
  char tail[17];
  std::snprintf(tail, sizeof tail, "%016llx", static_cast<unsigned long long>(low));
  std::copy_n(tail, 16, id.begin() + 16);
  return id;
}
}  // namespace

TEST_CASE("sampler: names and argument as the SDKs read them", "[trace][sampler]") {
  sampler_settings s;
  CHECK(parse_sampler("", "", s).empty());
  CHECK(s.parent_based);
  CHECK(s.root == sampler_settings::root_kind::always_on);
  CHECK(parse_sampler("always_off", "", s).empty());
  CHECK_FALSE(s.parent_based);
  CHECK(s.root == sampler_settings::root_kind::always_off);
  CHECK(parse_sampler("parentbased_traceidratio", "0.1", s).empty());
  CHECK(s.parent_based);
  CHECK(s.ratio == 0.1);
  CHECK_FALSE(parse_sampler("traceidratio", "1.5", s).empty());
  CHECK_FALSE(parse_sampler("traceidratio", "abc", s).empty());
  CHECK_FALSE(parse_sampler("jaeger_remote", "", s).empty());
  CHECK(s.ratio == 0.1);  // a refused value changes nothing
}

TEST_CASE("sampler: a client's flag decides under parentbased, the root sampler otherwise", "[trace][sampler]") {
  sampler_settings s;
  parse_sampler("parentbased_always_off", "", s);
  CHECK(sample(s, id_of(1), true));
  CHECK_FALSE(sample(s, id_of(1), false));
  CHECK_FALSE(sample(s, id_of(1), std::nullopt));
  parse_sampler("always_on", "", s);
  CHECK(sample(s, id_of(1), false));  // not parent-based: the client's flag is not asked
}

TEST_CASE("sampler: the ratio is decided by the trace id, about the share asked for", "[trace][sampler]") {
  sampler_settings s;
  parse_sampler("traceidratio", "0.1", s);
  CHECK(sample(s, id_of(0), std::nullopt));
  CHECK_FALSE(sample(s, id_of(~0ull), std::nullopt));
  int kept = 0;
  for (std::uint64_t i = 0; i < 10'000; ++i) kept += sample(s, id_of(i * 0x9e3779b97f4a7c15ull), std::nullopt);
  CHECK(kept > 900);
  CHECK(kept < 1100);
  // The same id, the same decision.
  for (std::uint64_t i = 0; i < 100; ++i) CHECK(sample(s, id_of(i * 77), std::nullopt) == sample(s, id_of(i * 77), std::nullopt));
  parse_sampler("traceidratio", "0", s);
  CHECK_FALSE(sample(s, id_of(0), std::nullopt));
}
