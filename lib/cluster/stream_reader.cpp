#include "cluster/stream_reader.hpp"
#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unordered_map>

namespace gateway::cluster {

stream_reader::subscription::~subscription() {
  if (auto r = reader_.lock()) r->remove(id_);
}

std::shared_ptr<stream_reader> stream_reader::create(asio::any_io_executor ex,
                                                     std::shared_ptr<redis::redis_client> blocking,
                                                     std::chrono::milliseconds block) {
  return std::shared_ptr<stream_reader>(new stream_reader(std::move(ex), std::move(blocking), block));
}

stream_reader::stream_reader(asio::any_io_executor ex, std::shared_ptr<redis::redis_client> blocking,
                             std::chrono::milliseconds block)
    : ex_(asio::make_strand(ex)), redis_(std::move(blocking)), block_(block),
      idle_(std::make_shared<asio::steady_timer>(ex_)) {}

void stream_reader::start() { asio::co_spawn(ex_, run(shared_from_this()), asio::detached); }

void stream_reader::stop() {
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
  }
  asio::post(ex_, [t = idle_] { t->cancel(); });
}

std::unique_ptr<stream_reader::subscription> stream_reader::subscribe(std::string key, deliver_fn deliver) {
  std::uint64_t id;
  {
    std::lock_guard lock(mutex_);
    id = ++next_id_;
    subs_.push_back(std::make_shared<sub>(sub{id, std::move(key), "0", std::move(deliver)}));
  }
  asio::post(ex_, [t = idle_] { t->cancel(); });  // the loop may be idle
  return std::unique_ptr<subscription>(new subscription(weak_from_this(), id));
}

void stream_reader::remove(std::uint64_t id) {
  std::lock_guard lock(mutex_);
  std::erase_if(subs_, [&](const auto& s) { return s->id == id; });
}

asio::awaitable<void> stream_reader::run(std::shared_ptr<stream_reader> /*keep-alive*/) {
  constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
  for (;;) {
    std::vector<std::shared_ptr<sub>> subs;
    {
      std::lock_guard lock(mutex_);
      if (stopped_) co_return;
      subs = subs_;
    }
    if (subs.empty() || !redis_->up()) {
      idle_->expires_after(subs.empty() ? std::chrono::milliseconds(1'000) : block_);
      co_await idle_->async_wait(tuple_awaitable);
      continue;
    }
    std::vector<std::string> command{"XREAD", "COUNT", "256", "BLOCK", std::to_string(block_.count()), "STREAMS"};
    for (const auto& s : subs) command.push_back(s->key);
    for (const auto& s : subs) command.push_back(s->last);
    const auto reply = co_await redis_->command(std::move(command));
    if (!reply.ok() || reply.value.type != redis::resp_value::kind::array) {
      if (!reply.ok()) {  // down or slow: the subscribers' own silence checks decide
        idle_->expires_after(block_);
        co_await idle_->async_wait(tuple_awaitable);
      }
      continue;  // null: nothing new within BLOCK
    }
    std::unordered_map<std::string_view, std::shared_ptr<sub>> by_key;
    for (const auto& s : subs) by_key.emplace(s->key, s);
    for (const auto& stream : reply.value.items) {
      if (stream.items.size() != 2) continue;
      const auto it = by_key.find(stream.items[0].text);
      if (it == by_key.end()) continue;
      std::vector<stream_entry> entries;
      for (const auto& e : stream.items[1].items) {
        if (e.items.size() != 2) continue;
        stream_entry entry{e.items[0].text, {}};
        const auto& f = e.items[1].items;
        for (std::size_t i = 0; i + 1 < f.size(); i += 2) entry.fields.emplace_back(f[i].text, f[i + 1].text);
        entries.push_back(std::move(entry));
      }
      if (entries.empty()) continue;
      it->second->last = entries.back().id;
      it->second->deliver(std::move(entries));
    }
  }
}

}  // namespace gateway::cluster
