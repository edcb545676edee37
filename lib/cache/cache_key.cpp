#include "cache/cache_key.hpp"

#include <openssl/evp.h>

#include <stdexcept>
#include <string>

namespace gateway {
namespace {

struct ctx_free {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using ctx_ptr = std::unique_ptr<EVP_MD_CTX, ctx_free>;

void check(int ok) {
  if (ok != 1) throw std::runtime_error("SHA-256 failed");
}

void add(EVP_MD_CTX* ctx, std::string_view field) {
  const auto len = std::to_string(field.size()) + ':';
  check(EVP_DigestUpdate(ctx, len.data(), len.size()));
  check(EVP_DigestUpdate(ctx, field.data(), field.size()));
}

// Fetched once: with OpenSSL 3 an implicit fetch per digest is the expensive part of a short hash.
const EVP_MD* sha256() {
  static const std::unique_ptr<EVP_MD, decltype(&EVP_MD_free)> md(EVP_MD_fetch(nullptr, "SHA256", nullptr),
                                                                  &EVP_MD_free);
  if (!md) throw std::runtime_error("SHA-256 unavailable");
  return md.get();
}

// One context per thread, reused: no allocation per key.
EVP_MD_CTX* thread_context() {
  thread_local ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!ctx) throw std::runtime_error("SHA-256 unavailable");
  return ctx.get();
}

cache_key finish(EVP_MD_CTX* ctx) {
  cache_key key{};
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(ctx, key.data(), &len));
  if (len != key.size()) throw std::runtime_error("SHA-256 failed");
  return key;
}

}  // namespace

struct cache_key_builder::digest {
  ctx_ptr ctx{EVP_MD_CTX_new()};
};

cache_key_builder::cache_key_builder(std::string_view domain, std::span<const std::string_view> fixed_fields)
    : prefix_(std::make_unique<digest>()) {
  if (!prefix_->ctx) throw std::runtime_error("SHA-256 unavailable");
  auto* ctx = prefix_->ctx.get();
  check(EVP_DigestInit_ex2(ctx, sha256(), nullptr));
  add(ctx, domain);
  for (const auto field : fixed_fields) add(ctx, field);
}

cache_key_builder::~cache_key_builder() = default;

cache_key_builder::hasher cache_key_builder::start() const {
  auto* ctx = thread_context();
  check(EVP_MD_CTX_copy_ex(ctx, prefix_->ctx.get()));
  return hasher(ctx);
}

cache_key_builder::hasher& cache_key_builder::hasher::add(std::string_view field) {
  gateway::add(static_cast<EVP_MD_CTX*>(ctx_), field);
  return *this;
}

cache_key cache_key_builder::hasher::finish() { return gateway::finish(static_cast<EVP_MD_CTX*>(ctx_)); }

cache_key make_request_key(std::string_view domain, std::string_view input) {
  auto* ctx = thread_context();
  check(EVP_DigestInit_ex2(ctx, sha256(), nullptr));
  add(ctx, domain);
  add(ctx, input);
  return finish(ctx);
}

}  // namespace gateway
