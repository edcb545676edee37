#include "trace/request_spans.hpp"

#include "trace/trace_context.hpp"

#include <chrono>

namespace gateway {

std::uint64_t request_spans::unix_ns(std::chrono::system_clock::time_point t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

std::uint64_t request_spans::now_ns() { return unix_ns(std::chrono::system_clock::now()); }

request_spans::request_spans(const trace_id_hex& trace_id, std::optional<span_id_hex> remote_parent,
                             std::uint64_t seed, std::string name)
    : state_(seed) {
  spans_.reserve(8);
  span root;
  root.trace_id = trace_id;
  root.span_id = next_id();
  if (remote_parent) root.parent_span_id = *remote_parent;
  root.name = std::move(name);
  root.kind = span_kind::server;
  root.start_ns = now_ns();
  spans_.push_back(std::move(root));
}

span_id_hex request_spans::next_id() {
  // splitmix64: distinct ids for the spans of a request from one seed.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  if (z == 0) z = 1;  // an all-zero span id is invalid
  span_id_hex id;
  constexpr char digits[] = "0123456789abcdef";
  for (int i = 15; i >= 0; --i, z >>= 4) id[static_cast<std::size_t>(i)] = digits[z & 0xf];
  return id;
}

request_spans::ref request_spans::start(std::string name, span_kind kind, ref parent) {
  if (spans_.size() >= max_spans || parent == none) return none;
  span s;
  s.trace_id = trace_id();
  s.span_id = next_id();
  s.parent_span_id = spans_[parent].span_id;
  s.name = std::move(name);
  s.kind = kind;
  s.start_ns = now_ns();
  spans_.push_back(std::move(s));
  return static_cast<ref>(spans_.size() - 1);
}

void request_spans::end(ref s) {
  if (s == none || spans_[s].end_ns != 0) return;
  spans_[s].end_ns = now_ns();
}

void request_spans::set(ref s, std::string_view key, attribute_value value) {
  if (s == none) return;
  auto& attrs = spans_[s].attributes;
  for (auto& a : attrs)
    if (a.key == key) {
      a.value = std::move(value);
      return;
    }
  attrs.push_back({key, std::move(value)});
}

void request_spans::event(ref s, std::string_view name, std::vector<span_attribute> attributes) {
  event_at(s, name, now_ns(), std::move(attributes));
}

void request_spans::event_at(ref s, std::string_view name, std::uint64_t time_ns,
                             std::vector<span_attribute> attributes) {
  if (s == none || spans_[s].events.size() >= max_spans) return;
  spans_[s].events.push_back({name, time_ns, std::move(attributes)});
}

void request_spans::link(ref s, const span_link& to) {
  if (s == none || spans_[s].links.size() >= max_links) return;
  spans_[s].links.push_back(to);
}

void request_spans::link(ref s, std::string_view context) {
  if (s == none) return;
  if (const auto ctx = parse_traceparent(context)) link(s, {ctx->trace_id, ctx->parent_id});
}

std::string request_spans::context(ref s) const {
  const auto& sp = spans_[s == none ? server : s];
  std::string out;
  out.reserve(55);
  out += "00-";
  out.append(sp.trace_id.data(), sp.trace_id.size());
  out += '-';
  out.append(sp.span_id.data(), sp.span_id.size());
  out += "-01";  // recorded, so sampled
  return out;
}

void request_spans::fail(ref s, std::string_view type, std::string message) {
  if (s == none) return;
  set(s, "error.type", std::string(type));
  spans_[s].status = span_status::error;
  spans_[s].status_message = std::move(message);
}

std::vector<span> request_spans::finish() {
  const auto now = now_ns();
  for (auto& s : spans_)
    if (s.end_ns == 0) s.end_ns = now;
  return std::move(spans_);
}

}  // namespace gateway
