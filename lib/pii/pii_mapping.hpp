// One request's placeholders: pseudonymise() replaces every value find_pii() reports with
// [NAME_n] (pii_kind.hpp), numbered per kind in the order of appearance, the same spelling of a
// value getting the same placeholder in every text of the request (history and question alike);
// restore() puts the values back. The mapping never leaves the request that built it: a cached or
// shared answer holds placeholders only, and every client restores with its own mapping.
//
// A placeholder the client wrote itself ("[IBAN_1]" typed as text) is kept: reserve() sees it first
// and the numbering skips its number, so restore(pseudonymise(text)) == text always holds.
// Pure. Threading: one request's, on its strand.
#pragma once

#include "pii/pii_detect.hpp"
#include "pii/pii_kind.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace gateway {

/// What a placeholder at the front of a text is, or whether more bytes are needed to tell.
struct placeholder_scan {
  enum class result { no, partial, yes };
  result what = result::no;
  std::size_t length = 0;  // yes: the placeholder's bytes
  pii_kind kind = pii_kind::tckn;
  std::uint32_t number = 0;
};

/// Reads `[NAME_n]` (n: 1 to 999999999, no leading zero) at the front of `text`, which starts with
/// '['. partial: `text` is a proper prefix of one (the rest may follow in the next piece).
placeholder_scan scan_placeholder(std::string_view text);

/// The instruction added to the system message of a request that carries placeholders.
extern const std::string_view pii_instruction;

class pii_mapping {
 public:
  /// Numbers taken by placeholders already written in `text` (call for every text of the request
  /// before pseudonymising any of them).
  void reserve(std::string_view text);

  /// `text` with every value of `kinds` replaced; nullopt when it holds none (nothing to copy).
  std::optional<std::string> pseudonymise(std::string_view text, pii_kinds kinds);

  /// The value behind a placeholder this mapping handed out; nullptr for any other.
  const std::string* value(pii_kind kind, std::uint32_t number) const;

  /// `text` with every placeholder of this mapping restored; the rest as written.
  std::string restore(std::string_view text) const;
  /// Appends restore(text) to `out`.
  void restore_into(std::string_view text, std::string& out) const;

  bool empty() const { return entries_.empty(); }
  /// Values replaced so far, per kind (occurrences, for the metrics).
  const std::array<std::uint32_t, pii_kind_count>& replaced() const { return replaced_; }
  /// Distinct values (placeholders handed out).
  std::size_t size() const { return entries_.size(); }

 private:
  struct entry {
    pii_kind kind;
    std::uint32_t number;
    std::string value;
  };
  std::uint32_t next_number(pii_kind kind);
  static std::uint64_t id(pii_kind kind, std::uint32_t number) {
    return (std::uint64_t{index_of(kind)} << 32) | number;
  }

  // Hashed both ways: a body of MAX_BODY_BYTES may hold thousands of values (or typed
  // placeholders), and a linear search per value would be quadratic on an io thread. Made on first
  // use: a request without values builds no table.
  struct tables {
    std::unordered_map<std::string, std::size_t> by_value;     // kind byte + value -> entry
    std::unordered_map<std::uint64_t, std::size_t> by_number;  // id(kind, number) -> entry
    std::unordered_set<std::uint64_t> reserved;  // id(kind, number) typed by the client
  };
  tables& index();
  std::vector<entry> entries_;
  std::unique_ptr<tables> index_;
  std::array<std::uint32_t, pii_kind_count> last_{};
  std::array<std::uint32_t, pii_kind_count> replaced_{};
};

/// Streaming restore, sans-io: feed() the answer's text as it comes, in pieces cut anywhere; it
/// returns what may go to the client now, holding back only a tail that may still become a
/// placeholder or a UTF-8 character cut by the piece's end. finish() returns the rest. The
/// concatenation of everything returned equals mapping.restore(whole text), at every cut.
class pii_restorer {
 public:
  explicit pii_restorer(const pii_mapping& mapping) : mapping_(&mapping) {}

  /// Appends what can be written now to `out`.
  void feed(std::string_view piece, std::string& out);
  /// Appends what was held back (as written: an unfinished placeholder is no placeholder).
  void finish(std::string& out);
  bool holding() const { return !held_.empty(); }

 private:
  void run(std::string_view text, bool last, std::string& out);
  const pii_mapping* mapping_;
  std::string held_;
};

}  // namespace gateway
