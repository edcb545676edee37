// What groq-sim does for one request, decided from the request alone (pure, unit-tested):
// the deterministic answer tokens, and the faults asked for by a directive in the last user
// message, e.g. "BIST 100 nedir? [[sim status=429 times=2 retry_after=1 key=t1]]".
//
// Directive keys (all optional):
//   status=N times=K key=S retry_after=S   answer HTTP N (with retry-after S); times=K limits every
//                                          fault here to the first K requests carrying the same
//                                          key (K=0: always)
//   model=NAME      every fault here applies only to requests for model NAME (e.g. one model
//                   answers 503 while the others answer: [[sim status=503 model=qwen/qwen3-32b]])
//   stall=MS        wait MS before sending anything (headers included)
//   ttft=MS         time to first token;  interval=MS  time between tokens
//   tokens=N        answer length in tokens (still capped by max_completion_tokens)
//   drop_after=N    close the connection abruptly after N content chunks
//   malformed_after=N   send a chunk that is not JSON after N content chunks
//   error_after=N   send {"error": ...} as a chunk after N content chunks
//   gate=NAME       after the first content chunk, wait until gate NAME is opened
//   hold=NAME       before answering at all (status, headers), wait until gate NAME is opened
//   split=1         write each event in two pieces, cut inside a multi-byte UTF-8 character
//   drop_next=1     answer normally, but close the connection on the next request without a byte
//   answer=TEXT     answer TEXT (percent-encoded: %20 a space, %0A a newline) instead of the
//                   built-in sentences, one token per word; with tokens=N, repeated to N tokens
//   echo=1          answer with every placeholder ([IBAN_1], [TCKN_2], ...: the gateway's
//                   pseudonymised personal data) of the last user message, each cut in two
//                   tokens, so that a stream carries it across two chunks (docs/security.md)
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace gateway::sim {

struct directives {
  std::optional<unsigned> status;
  unsigned times = 0;
  std::string key;
  std::string retry_after;
  std::string model;  // faults only for this model; empty: every model
  std::optional<std::chrono::milliseconds> stall, ttft, interval;
  std::optional<unsigned> tokens, drop_after, malformed_after, error_after;
  std::string gate;
  std::string hold;
  bool split = false;
  bool drop_next = false;
  std::string answer;  // decoded; empty: the built-in sentences
  bool echo = false;   // answer with the placeholders of the question (echo_tokens)
};

/// Parses the first "[[sim ...]]" directive in `text`; unknown keys are ignored.
directives parse_directives(std::string_view text);

/// `text` without any "[[sim ...]]" directive.
std::string strip_directives(std::string_view text);

/// The answer as tokens (each a word with its leading space, the first without). Deterministic in
/// `question`; contains Turkish letters and emoji; `count` tokens long.
std::vector<std::string> answer_tokens(std::string_view question, unsigned count);

/// Whether `model` reasons before it answers, as Groq's gpt-oss models do (`openai/gpt-oss*`): its
/// answers then carry `reasoning` (stream deltas before the content, `message.reasoning`).
bool model_reasons(std::string_view model);

/// The reasoning before the answer, as tokens cut like answer_tokens: one short sentence (a few
/// deltas), deterministic in `question` (directives and surrounding spaces aside), with Turkish
/// letters so that multi-byte characters reach the reasoning's chunks too.
std::vector<std::string> reasoning_tokens(std::string_view question);

/// `text` as tokens: cut before every space, so that the tokens concatenated give `text` back.
std::vector<std::string> text_tokens(std::string_view text);

/// `words` cycled (or cut) to `count` tokens; a repetition starts with a space.
std::vector<std::string> repeat_tokens(const std::vector<std::string>& words, unsigned count);

/// `%XX` escapes decoded; an escape that is not two hex digits stays as it is.
std::string percent_decode(std::string_view text);

/// echo=1's answer: "Yer tutucular: [IB" "AN_1]" " ve [TC" "KN_1]" "." - every `[NAME_n]` of
/// `question` in order (NAME capitals, n digits), each cut in the middle; "Yer tutucu yok." when
/// there is none.
std::vector<std::string> echo_tokens(std::string_view question);

/// Where to cut `bytes` so that the cut falls inside a multi-byte UTF-8 character when there is one.
std::size_t utf8_split_point(std::string_view bytes);

}  // namespace gateway::sim
