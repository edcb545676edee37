#include "pii/pii_event_restorer.hpp"

#include "core/text.hpp"

namespace gateway {
namespace {

// The end of the JSON string that begins at s[i] == '"' (the index after its closing quote), or
// npos.
std::size_t string_end(std::string_view s, std::size_t i) {
  for (std::size_t k = i + 1; k < s.size(); ++k) {
    if (s[k] == '\\') {
      ++k;
    } else if (s[k] == '"') {
      return k + 1;
    }
  }
  return std::string_view::npos;
}

std::size_t skip_space(std::string_view s, std::size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool hex4(std::string_view s, std::size_t i, std::uint32_t& v) {
  if (i + 4 > s.size()) return false;
  v = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= static_cast<std::uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= static_cast<std::uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= static_cast<std::uint32_t>(c - 'A' + 10);
    else
      return false;
  }
  return true;
}

// The text of a JSON string literal (quotes included); false when it is not one we can read.
bool decode_string(std::string_view lit, std::string& out) {
  out.clear();
  for (std::size_t i = 1; i + 1 < lit.size(); ++i) {
    const char c = lit[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    if (++i + 1 > lit.size() - 1) return false;
    switch (lit[i]) {
      case '"':
        out.push_back('"');
        break;
      case '\\':
        out.push_back('\\');
        break;
      case '/':
        out.push_back('/');
        break;
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        std::uint32_t cp = 0;
        if (!hex4(lit, i + 1, cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp < 0xDC00) {
          std::uint32_t low = 0;
          if (i + 2 >= lit.size() || lit[i + 1] != '\\' || lit[i + 2] != 'u' ||
              !hex4(lit, i + 3, low) || low < 0xDC00 || low > 0xDFFF)
            return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          i += 6;
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return false;
        }
        append_utf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

struct event_shape {
  std::size_t text_begin = std::string_view::npos, text_end = 0;  // the text's string literal
  bool last = false;  // the event ends the answer's text
};

// One walk over an event's JSON: where the text member's string is, and whether the event ends
// the text (a finish_reason string, /chat's "done" or "error").
event_shape read_shape(std::string_view json, std::string_view key) {
  event_shape out;
  for (std::size_t i = 0; i < json.size();) {
    if (json[i] != '"') {
      ++i;
      continue;
    }
    const auto end = string_end(json, i);
    if (end == std::string_view::npos) break;
    const auto name = json.substr(i + 1, end - i - 2);
    auto k = skip_space(json, end);
    if (k >= json.size() || json[k] != ':') {
      i = end;  // a string value
      continue;
    }
    k = skip_space(json, k + 1);
    const bool string_value = k < json.size() && json[k] == '"';
    if (name == "done" || name == "error") out.last = true;
    if (string_value) {
      const auto vend = string_end(json, k);
      if (vend == std::string_view::npos) break;
      if (name == "finish_reason") out.last = true;
      if (name == key && out.text_begin == std::string_view::npos) {
        out.text_begin = k;
        out.text_end = vend;
      }
      i = vend;
    } else {
      i = k;
    }
  }
  return out;
}

}  // namespace

void pii_event_restorer::feed(std::string_view sse, std::string& out) {
  if (!pending_.empty()) {
    pending_.append(sse);
    std::string all = std::move(pending_);
    pending_.clear();
    feed(all, out);
    return;
  }
  std::size_t at = 0;
  for (auto end = sse.find("\n\n", at); end != std::string_view::npos; end = sse.find("\n\n", at)) {
    event(sse.substr(at, end + 2 - at), out);
    at = end + 2;
  }
  pending_.assign(sse.substr(at));
}

void pii_event_restorer::finish(std::string& out) {
  flush_held(out);
  out.append(pending_);
  pending_.clear();
}

void pii_event_restorer::flush_held(std::string& out) {
  if (!text_.holding()) return;
  scratch_.clear();
  text_.finish(scratch_);
  out.append("data: ");
  out.append(before_);
  append_json_string(out, scratch_);
  out.append(after_);
  out.append("\n\n");
}

void pii_event_restorer::event(std::string_view block, std::string& out) {
  // One data line is what the formats write; anything else passes as it is.
  const std::string_view prefix = "data: ";
  if (!block.starts_with(prefix) || block.find('\n') != block.size() - 2) {
    out.append(block);
    return;
  }
  const auto data = block.substr(prefix.size(), block.size() - prefix.size() - 2);
  if (data == "[DONE]") {
    flush_held(out);
    out.append(block);
    return;
  }
  if (!text_.holding() && data.find('[') == std::string_view::npos) {
    out.append(block);
    return;
  }
  const auto shape = read_shape(data, key_);
  std::string text;
  if (shape.text_begin == std::string_view::npos ||
      !decode_string(data.substr(shape.text_begin, shape.text_end - shape.text_begin), text)) {
    if (shape.last) flush_held(out);
    out.append(block);
    return;
  }
  before_.assign(data.substr(0, shape.text_begin));
  after_.assign(data.substr(shape.text_end));
  scratch_.clear();
  text_.feed(text, scratch_);
  if (shape.last) text_.finish(scratch_);
  out.append(prefix);
  out.append(before_);
  append_json_string(out, scratch_);
  out.append(after_);
  out.append("\n\n");
}

}  // namespace gateway
