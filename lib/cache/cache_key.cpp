#include "cache/cache_key.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <stdexcept>

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

}  // namespace

struct cache_key_builder::digest {
  ctx_ptr ctx{EVP_MD_CTX_new()};
};

cache_key_builder::cache_key_builder(const gateway_config& cfg) : prefix_(std::make_unique<digest>()) {
  if (!prefix_->ctx) throw std::runtime_error("SHA-256 unavailable");
  auto* ctx = prefix_->ctx.get();
  check(EVP_DigestInit_ex2(ctx, sha256(), nullptr));
  add(ctx, "chat-v2");
  add(ctx, cfg.model);
  add(ctx, cfg.system_prompt);
  add(ctx, cfg.reasoning_effort);
  add(ctx, fmt::format("{}|{}|{}", cfg.max_new_tokens, cfg.temperature, cfg.top_p));
}

cache_key_builder::~cache_key_builder() = default;

cache_key cache_key_builder::operator()(std::string_view normalized_question,
                                        std::span<const chat_message> history) const {
  // One context per thread, reused: no allocation per key.
  thread_local ctx_ptr ctx{EVP_MD_CTX_new()};
  if (!ctx) throw std::runtime_error("SHA-256 unavailable");
  check(EVP_MD_CTX_copy_ex(ctx.get(), prefix_->ctx.get()));
  add(ctx.get(), normalized_question);
  add(ctx.get(), std::to_string(history.size()));
  for (const auto& m : history) {
    add(ctx.get(), m.role);
    add(ctx.get(), m.content);
  }
  cache_key key{};
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(ctx.get(), key.data(), &len));
  if (len != key.size()) throw std::runtime_error("SHA-256 failed");
  return key;
}

cache_key make_request_key(std::string_view domain, std::string_view input) {
  thread_local ctx_ptr ctx{EVP_MD_CTX_new()};  // reused: no allocation per key
  if (!ctx) throw std::runtime_error("SHA-256 unavailable");
  check(EVP_DigestInit_ex2(ctx.get(), sha256(), nullptr));
  add(ctx.get(), domain);
  add(ctx.get(), input);
  cache_key key{};
  unsigned int len = 0;
  check(EVP_DigestFinal_ex(ctx.get(), key.data(), &len));
  if (len != key.size()) throw std::runtime_error("SHA-256 failed");
  return key;
}

cache_key make_cache_key(std::string_view normalized_question, std::span<const chat_message> history,
                         const gateway_config& cfg) {
  return cache_key_builder(cfg)(normalized_question, history);
}

}  // namespace gateway
