// Reads what an upstream answers - one streamed chat-completion chunk, or a whole (non-streaming)
// completion - without building a JSON document: the handler below keeps only the fields /chat uses
// (model, choices[0].delta.content or choices[0].message.content, choices[0].finish_reason, usage,
// and for chunks x_groq.usage and error). Boost.JSON's basic_parser feeds it and validates; for a
// whole completion completion/json_scan.hpp does, and Boost.JSON only when that scan is unsure. The DOM
// version (json::parse, then lookups) led the /chat relay's profile (benchmark 9), and Boost.JSON's
// parser alone was still a large part of a non-streaming request, hence the scan. The fuzz target
// fuzz_stream_chunk holds both readers equal to the DOM.
#include "completion/completion.hpp"

#include "completion/json_scan.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <array>
#include <cstring>

namespace gateway {
namespace json = boost::json;
namespace {

// Where the parser is: the containers that matter get a name, everything else is `other`. `delta`
// is the object whose "content" is read: a chunk's choices[0].delta, a completion's
// choices[0].message.
enum class at : unsigned char { root, choices, choice, delta, usage, x_groq, groq_usage, error, other };

// What the value that begins now is for.
enum class field : unsigned char {
  none, model, choices, first_choice, delta, message, content, finish_reason, usage, count, x_groq, error,
  error_message,
};

// What is read: a stream's chunk, or a whole completion (its choice holds "message", not "delta";
// its usage is the top-level one only, and "error" means nothing special in it).
enum class shape : bool { chunk, completion };

// Keeps what json::parse and lookups would give: a member that comes twice counts as its last
// occurrence (Boost.JSON keeps the last duplicate), so every occurrence resets its field first.
struct chunk_handler {
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  chunk_handler(stream_chunk& c, shape s) : out(c), whole(s == shape::completion) {}

  stream_chunk& out;
  const bool whole;                // reading a completion
  // The path: one entry per open container; deeper than the fields we read, only the depth counts.
  std::array<at, 8> stack{};
  std::size_t depth = 0;
  std::size_t choices_seen = 0;    // elements of "choices" begun so far
  field key = field::none;         // what the next member's value is for
  std::uint64_t* count = nullptr;  // the usage count the next member's value is
  std::string key_text, text;      // a key or string the parser hands over in parts
  bool not_object = false;         // the chunk is not a JSON object
  bool bad_choices = false;        // "choices" is not an array
  bool bad_choice = false;         // "choices"[0] is not an object
  bool have_choices = false;       // "choices" is an array
  bool have_message = false;       // a completion's choices[0].message is an object
  bool have_usage = false, have_groq_usage = false;
  token_usage usage, groq_usage;
  bool have_error = false, error_is_text = false;
  std::string error_message;       // "error" as a string, or its object's "message"

  // A key equal to a literal, compared with the literal's constant length (inlined; a compare of
  // two run-time lengths called memcmp for every candidate key of every chunk).
  template <std::size_t N>
  static bool is(std::string_view k, const char (&literal)[N]) {
    return k.size() == N - 1 && std::memcmp(k.data(), literal, N - 1) == 0;
  }

  at top() const { return depth == 0 || depth > stack.size() ? at::other : stack[depth - 1]; }

  void choose_key(std::string_view k) {
    key = field::none;
    count = nullptr;
    switch (top()) {
      case at::root:
        if (is(k, "model")) key = field::model;
        else if (is(k, "choices")) key = field::choices;
        else if (is(k, "usage")) key = field::usage;
        else if (whole) break;
        else if (is(k, "x_groq")) key = field::x_groq;
        else if (is(k, "error")) key = field::error;
        break;
      case at::choice:
        if (whole ? is(k, "message") : is(k, "delta")) key = whole ? field::message : field::delta;
        else if (is(k, "finish_reason")) key = field::finish_reason;
        break;
      case at::delta:
        if (is(k, "content")) key = field::content;
        break;
      case at::x_groq:
        if (is(k, "usage")) key = field::usage;
        break;
      case at::error:
        if (is(k, "message")) key = field::error_message;
        break;
      case at::usage:
      case at::groq_usage: {
        auto& u = top() == at::usage ? usage : groq_usage;
        if (is(k, "prompt_tokens")) count = &u.prompt_tokens;
        else if (is(k, "completion_tokens")) count = &u.completion_tokens;
        else if (is(k, "total_tokens")) count = &u.total_tokens;
        if (count) key = field::count;
        break;
      }
      default:
        break;
    }
  }

  // A value begins: resets the field it is for, and says which one that is.
  field begin_value() {
    field f = std::exchange(key, field::none);
    if (top() == at::choices) f = choices_seen++ == 0 ? field::first_choice : field::none;
    switch (f) {
      case field::model: out.model.clear(); break;
      case field::choices:
        choices_seen = 0;
        bad_choices = bad_choice = have_choices = false;
        [[fallthrough]];
      case field::first_choice:  // what a choice holds: its delta's (message's) content, finish_reason
        out.content.clear();
        out.finish_reason.reset();
        have_message = false;
        break;
      case field::message: have_message = false; [[fallthrough]];
      case field::delta:
      case field::content: out.content.clear(); break;
      case field::finish_reason: out.finish_reason.reset(); break;
      case field::usage: (top() == at::root ? have_usage : have_groq_usage) = false; break;
      case field::x_groq: have_groq_usage = false; break;
      case field::count: *count = 0; break;
      case field::error:
        have_error = true;
        error_is_text = false;
        error_message.clear();
        break;
      case field::error_message: error_message.clear(); break;
      default: break;
    }
    return f;
  }

  bool push(bool object) {
    const bool root = depth == 0;
    const field f = begin_value();
    at where = at::other;
    if (root) {
      if (object) where = at::root;
      else not_object = true;
    } else if (f == field::choices) {
      if (object) bad_choices = true;
      else where = at::choices;
      have_choices = !object;
    } else if (f == field::first_choice) {
      if (object) where = at::choice;
      else bad_choice = true;
    } else if (object) {
      if (f == field::delta) where = at::delta;
      if (f == field::message) {
        where = at::delta;
        have_message = true;
      }
      if (f == field::x_groq) where = at::x_groq;
      if (f == field::error) where = at::error;
      if (f == field::usage) {
        const bool groq = top() == at::x_groq;
        (groq ? have_groq_usage : have_usage) = true;
        (groq ? groq_usage : usage) = {};
        where = groq ? at::groq_usage : at::usage;
      }
    }
    if (depth < stack.size()) stack[depth] = where;
    ++depth;
    return true;
  }
  bool pop() {
    --depth;
    return true;
  }

  // A scalar value: strings and counts are kept where they belong; a scalar where a container
  // must be is a wrong shape.
  void scalar(const std::string_view* s, std::uint64_t n) {
    if (depth == 0) not_object = true;
    const field f = begin_value();
    if (f == field::choices) bad_choices = true;
    if (f == field::first_choice) bad_choice = true;
    if (f == field::count) *count = n;
    if (!s) return;
    if (f == field::model) out.model.assign(*s);
    if (f == field::content) out.content.assign(*s);
    if (f == field::finish_reason) out.finish_reason = std::string(*s);
    if (f == field::error_message) error_message.assign(*s);
    if (f == field::error) {
      error_is_text = true;
      error_message.assign(*s);
    }
  }

  // json_scan's handler (completion/json_scan.hpp).
  void on_member(std::string_view k) { choose_key(k); }
  void on_text(std::string_view v) { scalar(&v, 0); }
  void on_count(std::uint64_t n) { scalar(nullptr, n); }
  void on_other() { scalar(nullptr, 0); }

  // Boost.JSON's basic_parser handler.
  bool on_document_begin(boost::system::error_code&) { return true; }
  bool on_document_end(boost::system::error_code&) { return true; }
  bool on_array_begin(boost::system::error_code&) { return push(false); }
  bool on_array_end(std::size_t, boost::system::error_code&) { return pop(); }
  bool on_object_begin(boost::system::error_code&) { return push(true); }
  bool on_object_end(std::size_t, boost::system::error_code&) { return pop(); }
  bool on_string_part(json::string_view s, std::size_t, boost::system::error_code&) {
    text.append(s.data(), s.size());
    return true;
  }
  bool on_string(json::string_view s, std::size_t, boost::system::error_code&) {
    std::string_view whole(s.data(), s.size());
    if (!text.empty()) whole = text.append(whole);
    scalar(&whole, 0);
    text.clear();
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, boost::system::error_code&) {
    key_text.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, boost::system::error_code&) {
    std::string_view whole(s.data(), s.size());
    if (!key_text.empty()) whole = key_text.append(whole);
    choose_key(whole);
    key_text.clear();
    return true;
  }
  bool on_number_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, boost::system::error_code&) {
    scalar(nullptr, i > 0 ? static_cast<std::uint64_t>(i) : 0);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, boost::system::error_code&) {
    scalar(nullptr, u);
    return true;
  }
  bool on_double(double, json::string_view, boost::system::error_code&) {
    scalar(nullptr, 0);  // a count that is not an integer counts as none, as before
    return true;
  }
  bool on_bool(bool, boost::system::error_code&) {
    scalar(nullptr, 0);
    return true;
  }
  bool on_null(boost::system::error_code&) {
    scalar(nullptr, 0);
    return true;
  }
  bool on_comment_part(json::string_view, boost::system::error_code&) { return true; }
  bool on_comment(json::string_view, boost::system::error_code&) { return true; }
};

void clear(stream_chunk& c) {
  c.content.clear();
  c.model.clear();
  c.finish_reason.reset();
  c.usage.reset();
  c.error_message.reset();
}

// Reads `data` into `out` and returns what `verdict` makes of the handler that read it: for a
// completion the fast scan's (completion/json_scan.hpp), or Boost.JSON's parser's when the scan is unsure
// or for a chunk - Boost.JSON's parser is then the authority on whether it is JSON at all (when not,
// a value-initialized result: false, nullopt). Chunks stay with Boost.JSON: the scan costs more
// than Boost.JSON's parser on a short chunk of short strings, less on a whole completion whose
// answer holds escapes and Turkish letters (benchmark 9, measured per document).
template <class Verdict>
auto read_json(std::string_view data, stream_chunk& out, shape s, Verdict verdict) {
  clear(out);
  if (s == shape::completion) {
    chunk_handler h(out, s);
    if (json_scan(data, h) == json_scan_result::ok) return verdict(h);
    clear(out);
  }
  json::basic_parser<chunk_handler> p(json::parse_options{}, out, s);
  boost::system::error_code ec;
  const auto used = p.write_some(false, data.data(), data.size(), ec);
  if (ec || used != data.size()) return decltype(verdict(p.handler())){};
  return verdict(p.handler());
}

// A total of 0 (or none) is the sum of the two counts.
token_usage with_total(token_usage u) {
  if (u.total_tokens == 0) u.total_tokens = u.prompt_tokens + u.completion_tokens;
  return u;
}

}  // namespace

bool read_stream_chunk(std::string_view data, stream_chunk& out) {
  return read_json(data, out, shape::chunk, [&out](const chunk_handler& h) {
    if (h.not_object) return false;
    if (h.have_error) {
      // An error chunk says nothing else: its message (a string, or the object's non-empty
      // "message"), whatever the rest of the chunk is.
      out = {};
      out.error_message = h.error_is_text || !h.error_message.empty() ? h.error_message : "upstream error";
      return true;
    }
    if (h.bad_choices || h.bad_choice) return false;
    if (h.have_usage) out.usage = with_total(h.usage);
    else if (h.have_groq_usage) out.usage = with_total(h.groq_usage);
    return true;
  });
}

std::optional<stream_chunk> parse_stream_chunk(std::string_view data) {
  stream_chunk out;
  if (!read_stream_chunk(data, out)) return std::nullopt;
  return out;
}

std::optional<completion> parse_completion(std::string_view body) {
  stream_chunk read;
  return read_json(body, read, shape::completion, [&read](const chunk_handler& h) -> std::optional<completion> {
    // A completion has a non-empty "choices" array whose first element is an object with a
    // "message" object; the rest may be missing ("" and no usage) or of another type (ignored).
    if (h.not_object || !h.have_choices || h.choices_seen == 0 || h.bad_choice || !h.have_message)
      return std::nullopt;
    completion out;
    out.content = std::move(read.content);
    out.model = std::move(read.model);
    out.finish_reason = std::move(read.finish_reason).value_or(std::string());
    if (h.have_usage) out.usage = with_total(h.usage);
    return out;
  });
}

}  // namespace gateway
