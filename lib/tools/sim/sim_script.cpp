#include "tools/sim/sim_script.hpp"

#include <charconv>

namespace gateway::sim {
namespace {

constexpr std::string_view open_tag = "[[sim";
constexpr std::string_view close_tag = "]]";

std::optional<unsigned> to_uint(std::string_view v) {
  unsigned out = 0;
  auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec != std::errc{} || p != v.data() + v.size()) return std::nullopt;
  return out;
}

std::optional<std::chrono::milliseconds> to_ms(std::string_view v) {
  auto n = to_uint(v);
  if (!n) return std::nullopt;
  return std::chrono::milliseconds(*n);
}

// Sentences of the simulated answer: every Turkish letter (ç ğ ı İ ö ş ü) and a few emoji, so that
// multi-byte characters land on chunk boundaries, and the Markdown an LLM writes (bold, a list,
// code, paragraphs) for the chat page to render.
constexpr std::string_view sentences[] = {
    "**BIST 100**, Borsa İstanbul'da işlem gören en büyük 100 şirketin performansını ölçen ana endekstir. 📈\n\n",
    "Endeks, piyasa değeri ve işlem hacmi yüksek hisselerden oluşur; yatırımcılar genel eğilimi izlemek için ona bakar.\n\n",
    "Günlük değişimleri etkileyenler:\n- döviz kuru,\n- faiz kararları,\n- küresel piyasalardaki gelişmeler. 🌍\n\n",
    "**Temettü**, şirketin dağıttığı kârdan hissedarlara düşen paydır. 💰\n\n",
    "*Çeşitlendirme*, tek bir hissedeki düşüşün portföyün tamamını sarsmasını önler.\n\n",
    "Bu bilgiler genel amaçlıdır ve `yatırım tavsiyesi` değildir; kararlarınız için lisanslı bir danışmana başvurun. 🙂\n\n",
};
constexpr std::size_t sentence_count = std::size(sentences);

// What a gpt-oss model thinks before it answers: short, since REASONING_EFFORT=auto asks for "low".
constexpr std::string_view thoughts[] = {
    "Kullanıcı Türkçe soruyor; kısa, açık ve doğru bir tanım vereyim.",
    "The user asks about Borsa İstanbul: answer in Turkish, no advice.",
    "Finans sorusu 📈 — önce tanım, sonra bir örnek; yatırım tavsiyesi değil.",
};

// The question a deterministic answer depends on: without directives and surrounding spaces, so
// that adding a fault directive to a question does not change its answer.
std::string plain_question(std::string_view question) {
  std::string plain = strip_directives(question);
  const auto first = plain.find_first_not_of(' ');
  if (first == std::string::npos) return {};
  return plain.substr(first, plain.find_last_not_of(' ') - first + 1);
}

// `text` cut into word tokens, each with the space before it (the first without), appended to `out`
// until it holds `count`.
void append_words(std::string_view text, std::vector<std::string>& out, std::size_t count) {
  while (!text.empty() && out.size() < count) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    text = space == std::string_view::npos ? std::string_view{} : text.substr(space + 1);
    // Words carry the space before them; the first word and one after a line break have none.
    std::string token(out.empty() || out.back().back() == '\n' ? 0 : 1, ' ');
    token.append(word);
    out.push_back(std::move(token));
  }
}

std::uint64_t fnv1a(std::string_view s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

directives parse_directives(std::string_view text) {
  directives d;
  const auto start = text.find(open_tag);
  if (start == std::string_view::npos) return d;
  const auto end = text.find(close_tag, start);
  if (end == std::string_view::npos) return d;
  std::string_view body = text.substr(start + open_tag.size(), end - start - open_tag.size());
  d.key = std::string(body);  // default key: the directive itself
  while (!body.empty()) {
    const auto space = body.find(' ');
    const auto item = body.substr(0, space);
    body = space == std::string_view::npos ? std::string_view{} : body.substr(space + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const auto k = item.substr(0, eq), v = item.substr(eq + 1);
    if (k == "status") d.status = to_uint(v);
    else if (k == "times") d.times = to_uint(v).value_or(0);
    else if (k == "key") d.key = std::string(v);
    else if (k == "model") d.model = std::string(v);
    else if (k == "retry_after") d.retry_after = std::string(v);
    else if (k == "stall") d.stall = to_ms(v);
    else if (k == "ttft") d.ttft = to_ms(v);
    else if (k == "interval") d.interval = to_ms(v);
    else if (k == "tokens") d.tokens = to_uint(v);
    else if (k == "drop_after") d.drop_after = to_uint(v);
    else if (k == "malformed_after") d.malformed_after = to_uint(v);
    else if (k == "error_after") d.error_after = to_uint(v);
    else if (k == "gate") d.gate = std::string(v);
    else if (k == "hold") d.hold = std::string(v);
    else if (k == "split") d.split = v == "1" || v == "true";
    else if (k == "drop_next") d.drop_next = v == "1" || v == "true";
    else if (k == "answer") d.answer = percent_decode(v);
    else if (k == "echo") d.echo = v == "1" || v == "true";
  }
  return d;
}

std::string strip_directives(std::string_view text) {
  std::string out;
  for (;;) {
    const auto start = text.find(open_tag);
    const auto end = start == std::string_view::npos ? start : text.find(close_tag, start);
    if (end == std::string_view::npos) break;
    out.append(text.substr(0, start));
    text.remove_prefix(end + close_tag.size());
  }
  out.append(text);
  return out;
}

std::vector<std::string> answer_tokens(std::string_view question, unsigned count) {
  std::vector<std::string> tokens;
  tokens.reserve(count);
  std::size_t sentence = fnv1a(plain_question(question)) % sentence_count;
  while (tokens.size() < count) append_words(sentences[sentence++ % sentence_count], tokens, count);
  return tokens;
}

bool model_reasons(std::string_view model) { return model.starts_with("openai/gpt-oss"); }

std::vector<std::string> reasoning_tokens(std::string_view question) {
  std::vector<std::string> tokens;
  // The hash's high half (the answer's sentence comes from the whole): the two do not move together.
  const auto thought = (fnv1a(plain_question(question)) >> 32) % std::size(thoughts);
  append_words(thoughts[thought], tokens, std::size_t(-1));
  return tokens;
}

std::vector<std::string> text_tokens(std::string_view text) {
  std::vector<std::string> words;
  for (std::size_t start = 0; start < text.size();) {
    const auto space = text.find(' ', start + 1);
    const auto end = space == std::string_view::npos ? text.size() : space;
    words.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return words;
}

std::vector<std::string> repeat_tokens(const std::vector<std::string>& words, unsigned count) {
  std::vector<std::string> tokens;
  if (words.empty()) return tokens;
  tokens.reserve(count);
  for (std::size_t i = 0; tokens.size() < count; ++i) {
    const auto& w = words[i % words.size()];
    // A repetition starts after a space, as the next word would.
    if (i > 0 && i % words.size() == 0 && w.front() != ' ') tokens.push_back(" " + w);
    else tokens.push_back(w);
  }
  return tokens;
}

std::string percent_decode(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::size_t utf8_split_point(std::string_view bytes) {
  for (std::size_t i = 0; i < bytes.size(); ++i)
    if (static_cast<unsigned char>(bytes[i]) >= 0xC0) return i + 1;  // just after a lead byte
  return bytes.size() / 2;
}

std::vector<std::string> echo_tokens(std::string_view question) {
  std::vector<std::string> found;
  for (auto at = question.find('['); at != std::string_view::npos; at = question.find('[', at + 1)) {
    std::size_t i = at + 1;
    while (i < question.size() && question[i] >= 'A' && question[i] <= 'Z') ++i;
    if (i == at + 1 || i >= question.size() || question[i] != '_') continue;
    const auto digits = ++i;
    while (i < question.size() && question[i] >= '0' && question[i] <= '9') ++i;
    if (i == digits || i >= question.size() || question[i] != ']') continue;
    found.emplace_back(question.substr(at, i + 1 - at));
  }
  if (found.empty()) return {"Yer", " tutucu", " yok."};
  std::vector<std::string> tokens{"Yer", " tutucular:"};
  for (std::size_t k = 0; k < found.size(); ++k) {
    const auto& p = found[k];
    const auto half = p.size() / 2;
    tokens.push_back((k == 0 ? " " : " ve ") + p.substr(0, half));
    tokens.push_back(p.substr(half));
  }
  tokens.push_back(".");
  return tokens;
}

}  // namespace gateway::sim
