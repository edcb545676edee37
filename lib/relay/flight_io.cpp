#include "relay/flight_io.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/coroutine_warnings.hpp"  // GCC 12 false positive on coroutine frames

namespace gateway {
namespace {
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
}  // namespace

lead_guard::~lead_guard() {
  if (!f) return;
  f->fail({error::upstream_closed, "the request answering this question ended without an answer", {}});
  registry->close(key, f);
}

admission admit(answer_store& store, flight_registry& flights, const admission_request& r, lead_guard& lead) {
  admission out;
  const auto find = [&]() -> std::shared_ptr<const cached_answer> {
    auto hit = store.find_local(r.key);
    return hit && (!r.usable || r.usable(*hit)) ? hit : nullptr;
  };
  if ((out.hit = find())) {
    out.x_cache = "HIT";
    return out;
  }
  // A follower is woken by a cancel of this timer, posted to its own strand.
  out.wake = std::make_shared<asio::steady_timer>(r.strand);
  auto origin = r.spans ? r.spans->context(request_spans::server) : std::string();
  auto ticket = flights.join(r.key, r.format, [strand = r.strand, weak = std::weak_ptr(out.wake)] {
    asio::post(strand, [weak] {
      if (auto t = weak.lock()) t->cancel();
    });
  }, std::move(origin));
  if (!ticket.leader) {
    out.follow = std::move(ticket);
    out.x_cache = "COALESCED";
    return out;
  }
  lead.registry = &flights;
  lead.f = std::move(ticket.f);
  lead.key = r.key;
  // When the last follower leaves after this request's client did, nobody needs the answer.
  lead.f->on_abandoned([strand = r.strand, alive = r.alive, wd = &r.wd] {
    asio::post(strand, [alive, wd] {
      if (*alive) wd->trigger(error::client_gone);
    });
  });
  // A flight that stored its answer and closed between our lookup and our join: answer from the
  // cache rather than pay the upstream again.
  if ((out.hit = find())) {
    lead.f->succeed(out.hit);
    out.x_cache = "HIT";
  }
  return out;
}

asio::awaitable<follow_result> follow_flight(const follow_io& io, flight_registry::ticket ticket,
                                             asio::steady_timer& wake, bool want_pieces,
                                             std::function<void()> begin_stream) {
  auto& f = *ticket.f;
  struct leave_guard {  // however this ends, the flight stops waking us (and may be abandoned)
    flight& f;
    std::uint64_t id;
    ~leave_guard() { f.leave(id); }
  } leave{f, ticket.follower};

  follow_result r;
  auto& down = io.down;
  down.watch([&r, &wake] {
    r.gone = true;
    wake.cancel();
  });
  std::size_t seen = 0;
  // Try now (poll), wait later: a wake-up posted while we write is lost, but the poll before the
  // next wait sees what it announced, so nothing published is missed.
  for (;;) {
    r.last = f.poll(seen, want_pieces);
    if (!r.last.pieces.empty()) {
      seen += r.last.pieces.size();
      if (!down.streaming()) {
        begin_stream();  // the head goes out with the first piece
        down.keep_alive([&wake] { wake.cancel(); });  // a comment due ends the wait below
      }
      std::vector<asio::const_buffer> buffers;
      std::string transformed;  // with io.transform: the pieces as this client gets them, in one buffer
      if (io.transform) {
        for (const auto& p : r.last.pieces) io.transform(*p, transformed);
        if (!transformed.empty()) buffers.push_back(asio::buffer(transformed));
      } else {
        buffers.reserve(r.last.pieces.size());
        for (const auto& p : r.last.pieces) buffers.push_back(asio::buffer(*p));
      }
      if (buffers.empty()) continue;  // nothing for this client yet (an empty chunk would end the response)
      if (co_await down.write(buffers)) {
        r.gone = true;
        break;
      }
      continue;
    }
    if (r.last.answer || r.last.failure || r.gone || clock_type::now() >= io.deadline) break;
    if (down.keepalive_due()) {
      if (co_await down.write_keepalive()) {
        r.gone = true;
        break;
      }
      continue;
    }
    wake.expires_at(io.deadline);  // woken by a piece, the client leaving or a comment falling due
    co_await wake.async_wait(tuple_awaitable);
  }
  down.stop_keep_alive();
  down.stop_watching();
  co_return r;
}

}  // namespace gateway
