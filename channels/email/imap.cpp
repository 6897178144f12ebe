#include "channels/email/imap.hpp"

#include <cctype>
#include <charconv>

namespace switchboard::channels::email {

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<std::uint64_t> number(std::string_view s) {
  std::uint64_t n = 0;
  if (s.empty() || s.size() > 19) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return n;
}

// A line that ends in a literal's marker ("{123}", "{123+}", "~{123}"): its size.
std::optional<std::uint64_t> literal_marker(std::string_view line) {
  if (line.size() < 3 || line.back() != '}') return std::nullopt;
  const auto open = line.rfind('{');
  if (open == std::string_view::npos) return std::nullopt;
  std::string_view digits = line.substr(open + 1, line.size() - open - 2);
  if (!digits.empty() && digits.back() == '+') digits.remove_suffix(1);
  return number(digits);
}

imap_response split(std::string text) {
  imap_response r;
  const auto sp = text.find(' ');
  r.tag = text.substr(0, sp);
  if (sp == std::string::npos) return r;
  std::string_view rest(text);
  rest.remove_prefix(sp + 1);
  if (r.tag != "+") {
    const auto word_end = rest.find(' ');
    const std::string word = upper(rest.substr(0, word_end));
    if (word == "OK" || word == "NO" || word == "BAD" || word == "BYE" || word == "PREAUTH") {
      r.status = word;
      rest = word_end == std::string_view::npos ? std::string_view() : rest.substr(word_end + 1);
    }
  }
  r.text = std::string(rest);
  return r;
}

// Reads the values of one FETCH response's text: atoms, numbers, quoted strings, literals (by
// their markers, in order) and parenthesised lists.
struct scanner {
  std::string_view s;
  const std::vector<std::string>& literals;
  std::size_t i = 0;
  std::size_t next_literal = 0;

  void spaces() {
    while (i < s.size() && s[i] == ' ') ++i;
  }
  bool eat(char c) {
    spaces();
    if (i < s.size() && s[i] == c) {
      ++i;
      return true;
    }
    return false;
  }
  bool at(char c) {
    spaces();
    return i < s.size() && s[i] == c;
  }
  // An atom; "[...]" inside it (BODY[HEADER.FIELDS (A B)]) is kept whole.
  std::string_view atom() {
    spaces();
    const std::size_t start = i;
    int depth = 0;
    while (i < s.size()) {
      const char c = s[i];
      if (c == '[') ++depth;
      if (c == ']' && depth > 0) --depth;
      if (depth == 0 && (c == ' ' || c == '(' || c == ')')) break;
      ++i;
    }
    return s.substr(start, i - start);
  }
  // A quoted string, a literal or NIL. false: none of them here.
  bool nstring(std::optional<std::string>& out) {
    spaces();
    if (i >= s.size()) return false;
    if (s[i] == '"') {
      std::string v;
      for (++i; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        v.push_back(s[i]);
      }
      if (i >= s.size()) return false;
      ++i;
      out = std::move(v);
      return true;
    }
    if (s[i] == '{' || (s[i] == '~' && i + 1 < s.size() && s[i + 1] == '{')) {
      const auto close = s.find('}', i);
      if (close == std::string_view::npos || next_literal >= literals.size()) return false;
      i = close + 1;
      out = literals[next_literal++];
      return true;
    }
    const std::string a = upper(atom());
    if (a != "NIL") return false;
    out.reset();
    return true;
  }
  // Any one value, lists nested at most 32 deep.
  bool skip(int depth = 0) {
    if (depth > 32) return false;
    if (eat('(')) {
      while (!at(')')) {
        if (i >= s.size() || !skip(depth + 1)) return false;
      }
      return eat(')');
    }
    spaces();
    if (i < s.size() && (s[i] == '"' || s[i] == '{' || s[i] == '~')) {
      std::optional<std::string> ignored;
      return nstring(ignored);
    }
    return !atom().empty();
  }
};

bool fetch_item(scanner& sc, const std::string& name, imap_fetched& f) {
  if (name == "UID" || name == "RFC822.SIZE") {
    auto n = number(sc.atom());
    if (!n) return false;
    (name == "UID" ? f.uid : f.size) = n;
    return true;
  }
  if (name == "BODY[]" || name == "RFC822" || name == "BINARY[]") {
    std::optional<std::string> v;
    if (!sc.nstring(v)) return false;
    f.body = std::move(v);
    return true;
  }
  if (name == "FLAGS") {
    if (!sc.eat('(')) return false;
    while (!sc.at(')')) {
      const auto flag = sc.atom();
      if (flag.empty()) return false;
      f.flags.emplace(flag);
    }
    return sc.eat(')');
  }
  return sc.skip();
}

}  // namespace

std::optional<imap_response> imap_reader::next() {
  while (error_.empty()) {
    const auto nl = in_.find('\n');
    if (nl == std::string::npos) {
      // + 1: the line may yet end in CR LF, and the CR is not counted.
      if (in_.size() > limits_.max_line + 1) error_ = "a line of the server's is over " + std::to_string(limits_.max_line) + " bytes";
      return std::nullopt;
    }
    std::string_view line(in_.data(), nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > limits_.max_line) {
      error_ = "a line of the server's is over " + std::to_string(limits_.max_line) + " bytes";
      return std::nullopt;
    }
    if (auto n = literal_marker(line)) {
      if (*n > limits_.max_literal) {
        error_ = "the server sends " + std::to_string(*n) + " bytes at once, over " + std::to_string(limits_.max_literal);
        return std::nullopt;
      }
      if (partial_.literals.size() >= limits_.max_literals) {
        error_ = "a response of the server's has over " + std::to_string(limits_.max_literals) + " literals";
        return std::nullopt;
      }
      if (in_.size() - (nl + 1) < *n) return std::nullopt;  // the literal is not all here yet
      partial_.text.append(line);
      partial_.literals.push_back(in_.substr(nl + 1, *n));
      in_.erase(0, nl + 1 + *n);
      continue;
    }
    partial_.text.append(line);
    in_.erase(0, nl + 1);
    imap_response r = split(std::move(partial_.text));
    r.literals = std::move(partial_.literals);
    partial_ = imap_response();
    return r;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> imap_code_number(std::string_view text, std::string_view code) {
  const std::string open = "[" + std::string(code) + " ";
  const auto at = upper(text).find(open);
  if (at == std::string::npos) return std::nullopt;
  const std::size_t start = at + open.size();
  std::size_t end = start;
  while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end]))) ++end;
  return number(text.substr(start, end - start));
}

std::optional<std::set<std::string>> imap_capabilities(const imap_response& r) {
  std::string_view list;
  const std::string text = upper(r.text);
  if (r.tag == "*" && r.status.empty() && text.starts_with("CAPABILITY ")) {
    list = std::string_view(text).substr(11);
  } else if (!r.status.empty() && text.starts_with("[CAPABILITY ")) {
    const auto close = text.find(']');
    if (close == std::string::npos) return std::nullopt;
    list = std::string_view(text).substr(12, close - 12);
  } else {
    return std::nullopt;
  }
  std::set<std::string> out;
  while (!list.empty()) {
    const auto sp = list.find(' ');
    if (sp != 0) out.emplace(list.substr(0, sp));
    if (sp == std::string_view::npos) break;
    list.remove_prefix(sp + 1);
  }
  return out;
}

std::optional<std::uint64_t> imap_exists(const imap_response& r) {
  if (r.tag != "*" || !r.status.empty()) return std::nullopt;
  const auto sp = r.text.find(' ');
  if (sp == std::string::npos || upper(std::string_view(r.text).substr(sp + 1)) != "EXISTS") return std::nullopt;
  return number(std::string_view(r.text).substr(0, sp));
}

std::optional<imap_fetched> imap_fetch(const imap_response& r) {
  if (r.tag != "*" || !r.status.empty()) return std::nullopt;
  scanner sc{r.text, r.literals};
  imap_fetched f;
  auto seq = number(sc.atom());
  if (!seq || upper(sc.atom()) != "FETCH" || !sc.eat('(')) return std::nullopt;
  f.seq = *seq;
  for (int items = 0; !sc.at(')'); ++items) {
    const std::string name = upper(sc.atom());
    if (name.empty() || items > 64 || !fetch_item(sc, name, f)) return std::nullopt;
  }
  return f;
}

std::optional<std::string> imap_quoted(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u == 0 || c == '\r' || c == '\n' || u > 127) return std::nullopt;
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace switchboard::channels::email
