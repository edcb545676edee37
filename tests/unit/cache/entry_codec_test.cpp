// The versioned, endpoint-independent form of a cache entry.
#include "cache/entry_codec.hpp"

#include <catch2/catch.hpp>

#include <cstdint>

using namespace gateway;

namespace {

// An entry as version 1 wrote it (no reasoning): "CGW", 1, the strings answer, model,
// finish_reason, id and question (u32 length + bytes), created (i64), usage flag and counts.
std::string version_1_entry(const cached_answer& a) {
  const auto put = [](std::string& out, std::uint64_t v, std::size_t bytes) {
    for (std::size_t i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
  };
  std::string out = "CGW";
  out += static_cast<char>(1);
  for (const std::string* s : {&a.answer, &a.model, &a.finish_reason, &a.id, &a.question}) {
    put(out, s->size(), 4);
    out += *s;
  }
  put(out, static_cast<std::uint64_t>(a.created), 8);
  out += static_cast<char>(a.usage ? 1 : 0);
  if (a.usage)
    for (const auto n : {a.usage->prompt_tokens, a.usage->completion_tokens, a.usage->total_tokens}) put(out, n, 8);
  return out;
}

}  // namespace

TEST_CASE("entry codec: what is encoded decodes to the same answer", "[cache]") {
  cached_answer a{"BIST 100, Borsa İstanbul'un 📈", "openai/gpt-oss-20b", token_usage{12, 34, 46}, "stop",
                  "chatcmpl-abc", 1700000000};
  a.hit_body = "{\"pre-rendered\":true}";
  a.question = "bist 100 nedir";
  a.reasoning = "Kullanıcı Türkçe soruyor; kısa yanıtlayayım. 📈";
  const auto bytes = encode_entry(a);
  CHECK(bytes.find("pre-rendered") == std::string::npos);  // an in-memory optimization, not stored
  const auto back = decode_entry(bytes);
  REQUIRE(back);
  CHECK(back->answer == a.answer);
  CHECK(back->model == a.model);
  CHECK(back->finish_reason == a.finish_reason);
  CHECK(back->id == a.id);
  CHECK(back->created == a.created);
  CHECK(back->question == "bist 100 nedir");
  CHECK(back->reasoning == a.reasoning);
  REQUIRE(back->usage);
  CHECK(back->usage->prompt_tokens == 12);
  CHECK(back->usage->completion_tokens == 34);
  CHECK(back->usage->total_tokens == 46);
  CHECK(back->hit_body.empty());

  cached_answer no_usage{"", "m", std::nullopt, "length"};
  const auto empty = decode_entry(encode_entry(no_usage));
  REQUIRE(empty);
  CHECK_FALSE(empty->usage);
  CHECK(empty->answer.empty());
  CHECK(empty->reasoning.empty());
}

TEST_CASE("entry codec: anything else is refused, never guessed", "[cache]") {
  const auto bytes = encode_entry(cached_answer{"yanıt", "m", token_usage{1, 2, 3}, "stop", "id", 5});
  for (std::size_t n = 0; n < bytes.size(); ++n) CHECK_FALSE(decode_entry(bytes.substr(0, n)));  // every truncation
  CHECK_FALSE(decode_entry(bytes + "x"));  // trailing bytes
  auto other_version = bytes;
  other_version[3] = static_cast<char>(entry_codec_version + 1);
  CHECK_FALSE(decode_entry(other_version));
  auto bad_flag = encode_entry(cached_answer{"a", "m", std::nullopt, "stop"});
  bad_flag.back() = 7;
  CHECK_FALSE(decode_entry(bad_flag));
  CHECK_FALSE(decode_entry("not an entry"));
}

TEST_CASE("entry codec: an entry of version 1 (before reasoning) is refused, not read as one without it",
          "[cache]") {
  const cached_answer a{"yanıt", "openai/gpt-oss-20b", token_usage{1, 2, 3}, "stop", "chatcmpl-1", 5};
  const auto old = version_1_entry(a);
  CHECK(entry_codec_version == 2);
  CHECK(old.substr(0, 3) == encode_entry(a).substr(0, 3));  // the same magic: only the version tells
  CHECK_FALSE(decode_entry(old));
  CHECK_FALSE(decode_entry(old.substr(0, 4)));
}
