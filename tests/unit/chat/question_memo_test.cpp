// lib/chat/question_memo: a reading put is found by its question's very bytes and by nothing else;
// the memo stays within its byte budget (old readings are forgotten, never a wrong one returned);
// threads that look up and put the same and different questions at once see only whole, right
// readings (run under ThreadSanitizer too).
#include "chat/question_memo.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using namespace gateway;

namespace {
// A reading that can be checked against its question.
question_reading reading_of(const std::string& question) {
  question_reading r;
  r.normalized = "n:" + question;
  r.key.fill(static_cast<unsigned char>(question.size() % 251));
  r.key[0] = static_cast<unsigned char>(question.empty() ? 0 : question.back());
  return r;
}
}  // namespace

TEST_CASE("question_memo: a reading is found by its question's very bytes", "[chat][question_memo]") {
  const question_memo memo;
  CHECK_FALSE(memo.find("BIST 100 nedir?"));
  memo.put("BIST 100 nedir?", reading_of("BIST 100 nedir?"));
  const auto found = memo.find("BIST 100 nedir?");
  REQUIRE(found);
  CHECK(found->normalized == "n:BIST 100 nedir?");
  CHECK(found->key == reading_of("BIST 100 nedir?").key);
  CHECK_FALSE(memo.find("BIST 100 nedir"));
  CHECK_FALSE(memo.find("bist 100 nedir?"));  // the memo reads nothing: other bytes, another question
}

TEST_CASE("question_memo: it forgets within its byte budget, and never answers wrongly", "[chat][question_memo]") {
  const question_memo memo;
  // Far past the budget: 20,000 questions of 400 bytes.
  std::vector<std::string> asked;
  for (int i = 0; i < 20'000; ++i) {
    asked.push_back(std::to_string(i) + std::string(400, 'x'));
    memo.put(asked.back(), reading_of(asked.back()));
  }
  std::size_t kept = 0;
  for (const auto& q : asked) {
    if (const auto r = memo.find(q)) {
      ++kept;
      CHECK(r->normalized == "n:" + q);
    }
  }
  CHECK(kept > 0);
  // Each kept reading is charged at least its question's bytes twice (question and normalized).
  CHECK(kept * 2 * 400 <= question_memo::max_bytes);
}

TEST_CASE("question_memo: threads looking up and putting at once see whole, right readings",
          "[chat][question_memo][threads]") {
  const question_memo memo;
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0), found(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5'000; ++i) {
        // Half the questions are shared by every thread, half are each thread's own.
        const auto q = (i % 2 ? "ortak " + std::to_string(i % 100) : "kendi " + std::to_string(t) + " " + std::to_string(i));
        if (const auto r = memo.find(q)) {
          ++found[t];
          if (r->normalized != "n:" + q || r->key != reading_of(q).key) ++wrong[t];
        } else {
          memo.put(q, reading_of(q));
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    CHECK(wrong[t] == 0);
    CHECK(found[t] > 0);
  }
}
