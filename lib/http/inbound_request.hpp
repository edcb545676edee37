// One client request as the handlers see it: method, target, version, keep-alive, the header
// fields in arrival order and the body. Filled by http/request_reader; owns its bytes in one string
// (the request line's parts and every field, found again by offset), so that reading a request
// takes no allocation per field. Beast's message with its fields container made one per field,
// plus an ordered set to keep them in (benchmark 9, a stream's fixed cost).
// A connection reuses one inbound_request for all its requests (clear() keeps the small buffers).
#pragma once

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/container/small_vector.hpp>

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace gateway {

class inbound_request {
  struct entry {
    boost::beast::http::field name;
    std::uint32_t name_at, name_size, value_at, value_size;
  };

 public:
  /// One header field: the same accessors as a field of Beast's container.
  class field_ref {
   public:
    field_ref(const inbound_request& r, const entry& e) : r_(&r), e_(&e) {}
    boost::beast::http::field name() const { return e_->name; }
    std::string_view name_string() const { return r_->text(e_->name_at, e_->name_size); }
    std::string_view value() const { return r_->text(e_->value_at, e_->value_size); }

   private:
    const inbound_request* r_;
    const entry* e_;
  };

  /// Walks the fields in arrival order; `*it` is a field_ref.
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = field_ref;
    using difference_type = std::ptrdiff_t;
    using reference = field_ref;
    using pointer = void;
    const_iterator() = default;
    const_iterator(const inbound_request* r, const entry* e) : r_(r), e_(e) {}
    field_ref operator*() const { return {*r_, *e_}; }
    const_iterator& operator++() {
      ++e_;
      return *this;
    }
    const_iterator operator++(int) {
      auto old = *this;
      ++e_;
      return old;
    }
    bool operator==(const const_iterator& o) const { return e_ == o.e_; }

   private:
    const inbound_request* r_ = nullptr;
    const entry* e_ = nullptr;
  };

  inbound_request() = default;
  /// A request built by hand (tests, tools): the request line; fields by insert(), body by body().
  inbound_request(boost::beast::http::verb method, std::string_view target, unsigned version);

  boost::beast::http::verb method() const { return method_; }
  std::string_view method_string() const { return text(0, method_size_); }
  std::string_view target() const { return text(method_size_, target_size_); }
  unsigned version() const { return version_; }  // 10 or 11
  /// Whether the client lets the connection be kept after the answer (by version and Connection).
  bool keep_alive() const { return keep_alive_; }
  void keep_alive(bool keep) { keep_alive_ = keep; }

  std::string& body() { return body_; }
  const std::string& body() const { return body_; }

  const_iterator begin() const { return {this, fields_.data()}; }
  const_iterator end() const { return {this, fields_.data() + fields_.size()}; }
  /// The first field of that name ("" when there is none), as Beast's `req[name]`.
  std::string_view operator[](boost::beast::http::field name) const;
  std::string_view operator[](std::string_view name) const;

  // ---- filling (request_reader, tests) ----
  /// Empties the request for the connection's next one, keeping the small buffers.
  void clear();
  void set_request_line(boost::beast::http::verb method, std::string_view method_string, std::string_view target,
                        unsigned version);
  /// Appends a field (`name` known to Beast or not: its enum is found when not given).
  void insert(boost::beast::http::field name, std::string_view name_string, std::string_view value);
  void insert(std::string_view name_string, std::string_view value);

 private:
  std::string_view text(std::uint32_t at, std::uint32_t size) const { return {text_.data() + at, size}; }

  std::string text_;  // method, target, then each field's name and value
  // Requests rarely carry more than a dozen fields: those stay inside the request.
  boost::container::small_vector<entry, 12> fields_;
  std::string body_;
  boost::beast::http::verb method_ = boost::beast::http::verb::unknown;
  std::uint32_t method_size_ = 0, target_size_ = 0;
  unsigned version_ = 11;
  bool keep_alive_ = true;
};

}  // namespace gateway
