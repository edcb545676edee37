// Cache keys: SHA-256 over a domain tag (names the endpoint and its format version, so no two
// endpoints share keys) and the fields that decide an answer, each length-prefixed so that no two
// different inputs serialize alike. Endpoints choose the fields; this file knows none of them.
#pragma once

#include "cache/response_cache.hpp"

#include <memory>
#include <span>
#include <string_view>

namespace gateway {

/// Builds keys that share a prefix: the domain and the fields every key of one configuration has
/// (model, system prompt, ...) are hashed once, at construction; each key then hashes only its own
/// fields on top of a copy of that state - the cache-hit path is hot.
/// Threading: thread-safe after construction (each thread hashes in its own context).
class cache_key_builder {
 public:
  cache_key_builder(std::string_view domain, std::span<const std::string_view> fixed_fields);
  ~cache_key_builder();
  cache_key_builder(const cache_key_builder&) = delete;
  cache_key_builder& operator=(const cache_key_builder&) = delete;

  /// One key being built: add() the request's fields in order, then finish(). Uses the calling
  /// thread's hashing context, so finish one before starting the next on the same thread.
  class hasher {
   public:
    hasher& add(std::string_view field);
    cache_key finish();

   private:
    friend class cache_key_builder;
    explicit hasher(void* ctx) : ctx_(ctx) {}
    void* ctx_;  // EVP_MD_CTX, kept out of this header
  };
  hasher start() const;

 private:
  struct digest;
  std::unique_ptr<digest> prefix_;  // SHA-256 state after the domain and the fixed fields
};

/// A key for a whole request text: SHA-256 over `domain` and `input`, length-prefixed.
cache_key make_request_key(std::string_view domain, std::string_view input);

}  // namespace gateway
