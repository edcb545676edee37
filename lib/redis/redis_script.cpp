#include "redis/redis_script.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include "core/text.hpp"

#include <openssl/evp.h>

namespace gateway::redis {

redis_script::redis_script(std::string_view text) : text_(text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha1(), nullptr);
  append_hex(sha1_, {digest, size});
}

asio::awaitable<redis_reply> run(redis_client& redis, const redis_script& script, std::vector<std::string> keys,
                                 std::vector<std::string> args) {
  std::vector<std::string> command{"EVALSHA", script.sha1(), std::to_string(keys.size())};
  command.insert(command.end(), std::make_move_iterator(keys.begin()), std::make_move_iterator(keys.end()));
  command.insert(command.end(), std::make_move_iterator(args.begin()), std::make_move_iterator(args.end()));
  auto reply = co_await redis.command(command);
  if (reply.error == redis_errc::ok && reply.value.is_error() && reply.value.text.starts_with("NOSCRIPT")) {
    command[0] = "EVAL";
    command[1] = std::string(script.text());
    reply = co_await redis.command(std::move(command));
  }
  co_return reply;
}

}  // namespace gateway::redis
