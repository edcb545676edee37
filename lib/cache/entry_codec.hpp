// The serialized form of a cache entry: what a shared tier (or a file) keeps of an answer,
// independent of any endpoint's reply format - the text, the reasoning before it, model, finish
// reason, token usage, the upstream's completion id and creation time, and the question it answered
// (for X-Cache-Match). The pre-rendered reply body (cached_answer::hit_body) is an in-memory
// optimization and is not part of it: each reader renders its own.
//
// Layout (little-endian): "CGW" magic, a version byte (2), then the strings answer, reasoning,
// model, finish_reason, id and question, each as a u32 length and its bytes, created as an i64, a
// usage flag byte and, when set, prompt, completion and total tokens as u64. Readers refuse another
// version or any inconsistency (short, long, bad flag) instead of guessing.
// Versions: 1 had no reasoning. Its entries are refused rather than read as answers without
// reasoning: a replay of one would lose what the live answer showed (a shared Redis may still hold
// them, written by an instance not yet upgraded).
// Pure functions.
#pragma once

#include "cache/response_cache.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace gateway {

inline constexpr unsigned char entry_codec_version = 2;

std::string encode_entry(const cached_answer& a);
/// nullopt for anything encode_entry of this version did not write.
std::optional<cached_answer> decode_entry(std::string_view bytes);

}  // namespace gateway
