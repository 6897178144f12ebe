#include "channels/email/html_tokens.hpp"

#include <array>
#include <cstdint>
#include <unordered_map>

#include "channels/email/charset.hpp"

namespace switchboard::channels::email {

namespace {

constexpr std::size_t max_attributes = 64;

bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The named references mail uses: all of Latin-1, typography, arrows and the ASCII punctuation
// names attackers spell URLs with ("javascript&colon;").
const std::unordered_map<std::string_view, char32_t>& named() {
  static const auto table = [] {
    std::unordered_map<std::string_view, char32_t> t;
    static constexpr std::array<std::string_view, 96> latin1{
        "nbsp",   "iexcl",  "cent",   "pound",  "curren", "yen",    "brvbar", "sect",   "uml",    "copy",   "ordf",
        "laquo",  "not",    "shy",    "reg",    "macr",   "deg",    "plusmn", "sup2",   "sup3",   "acute",  "micro",
        "para",   "middot", "cedil",  "sup1",   "ordm",   "raquo",  "frac14", "frac12", "frac34", "iquest", "Agrave",
        "Aacute", "Acirc",  "Atilde", "Auml",   "Aring",  "AElig",  "Ccedil", "Egrave", "Eacute", "Ecirc",  "Euml",
        "Igrave", "Iacute", "Icirc",  "Iuml",   "ETH",    "Ntilde", "Ograve", "Oacute", "Ocirc",  "Otilde", "Ouml",
        "times",  "Oslash", "Ugrave", "Uacute", "Ucirc",  "Uuml",   "Yacute", "THORN",  "szlig",  "agrave", "aacute",
        "acirc",  "atilde", "auml",   "aring",  "aelig",  "ccedil", "egrave", "eacute", "ecirc",  "euml",   "igrave",
        "iacute", "icirc",  "iuml",   "eth",    "ntilde", "ograve", "oacute", "ocirc",  "otilde", "ouml",   "divide",
        "oslash", "ugrave", "uacute", "ucirc",  "uuml",   "yacute", "thorn",  "yuml"};
    for (std::size_t i = 0; i < latin1.size(); ++i) t.emplace(latin1[i], static_cast<char32_t>(0xA0 + i));
    static constexpr std::pair<std::string_view, char32_t> others[] = {
        {"quot", 34},    {"amp", 38},      {"apos", 39},    {"lt", 60},      {"gt", 62},       {"Tab", 9},
        {"NewLine", 10}, {"excl", 33},     {"num", 35},     {"dollar", 36},  {"percnt", 37},   {"lpar", 40},
        {"rpar", 41},    {"ast", 42},      {"plus", 43},    {"comma", 44},   {"period", 46},   {"sol", 47},
        {"colon", 58},   {"semi", 59},     {"equals", 61},  {"quest", 63},   {"commat", 64},   {"lsqb", 91},
        {"bsol", 92},    {"rsqb", 93},     {"lowbar", 95},  {"grave", 96},   {"lcub", 123},    {"verbar", 124},
        {"rcub", 125},   {"OElig", 338},   {"oelig", 339},  {"Scaron", 352}, {"scaron", 353},  {"Yuml", 376},
        {"fnof", 402},   {"circ", 710},    {"tilde", 732},  {"ensp", 8194},  {"emsp", 8195},   {"thinsp", 8201},
        {"zwnj", 8204},  {"zwj", 8205},    {"lrm", 8206},   {"rlm", 8207},   {"ndash", 8211},  {"mdash", 8212},
        {"lsquo", 8216}, {"rsquo", 8217},  {"sbquo", 8218}, {"ldquo", 8220}, {"rdquo", 8221},  {"bdquo", 8222},
        {"dagger", 8224}, {"Dagger", 8225}, {"bull", 8226}, {"hellip", 8230}, {"permil", 8240}, {"prime", 8242},
        {"Prime", 8243}, {"lsaquo", 8249}, {"rsaquo", 8250}, {"oline", 8254}, {"euro", 8364},  {"trade", 8482},
        {"larr", 8592},  {"uarr", 8593},   {"rarr", 8594},  {"darr", 8595},  {"harr", 8596},   {"minus", 8722},
        {"infin", 8734}, {"asymp", 8776},  {"ne", 8800},    {"le", 8804},    {"ge", 8805},     {"hearts", 9829},
        {"check", 10003},
    };
    for (const auto& [name, c] : others) t.emplace(name, c);
    return t;
  }();
  return table;
}

// Named references a browser still reads without their ';'.
bool legacy(std::string_view name) {
  for (std::string_view x : {"amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "AMP", "LT", "GT", "QUOT"}) {
    if (name == x) return true;
  }
  return false;
}

// &#...; at s[i] ('&' at i, '#' at i + 1): its character and the length read, or 0 when none.
std::size_t numeric(std::string_view s, std::size_t i, char32_t& c) {
  std::size_t j = i + 2;
  const bool hex = j < s.size() && (s[j] == 'x' || s[j] == 'X');
  if (hex) ++j;
  const std::size_t first = j;
  std::uint32_t v = 0;
  for (; j < s.size(); ++j) {
    const char d = s[j];
    int n = digit(d) ? d - '0' : hex && lower(d) >= 'a' && lower(d) <= 'f' ? lower(d) - 'a' + 10 : -1;
    if (n < 0) break;
    if (v <= 0x10FFFF) v = v * (hex ? 16 : 10) + static_cast<std::uint32_t>(n);
  }
  if (j == first) return 0;
  if (j < s.size() && s[j] == ';') ++j;
  // The WHATWG table: C1 codes are read as windows-1252, the way old mail programs meant them.
  static constexpr char32_t c1[32] = {0x20AC, 0x81, 0x201A, 0x192, 0x201E, 0x2026, 0x2020, 0x2021, 0x2C6, 0x2030, 0x160,
                                      0x2039, 0x152, 0x8D, 0x17D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                      0x2013, 0x2014, 0x2DC, 0x2122, 0x161, 0x203A, 0x153, 0x9D, 0x17E, 0x178};
  if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) c = 0xFFFD;
  else if (v >= 0x80 && v <= 0x9F) c = c1[v - 0x80];
  else c = v;
  return j - i;
}

}  // namespace

std::string decode_entities(std::string_view s, bool in_attribute) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char ch = s[i];
    if (ch == '\0') continue;
    if (ch != '&' || i + 1 >= s.size()) {
      out += ch;
      continue;
    }
    char32_t c = 0;
    if (s[i + 1] == '#') {
      if (const auto n = numeric(s, i, c); n > 0) {
        append_utf8(out, c);
        i += n - 1;
        continue;
      }
    } else {
      std::size_t j = i + 1;
      while (j < s.size() && j - i <= 32 && (alpha(s[j]) || digit(s[j]))) ++j;
      const std::string_view name = s.substr(i + 1, j - i - 1);
      const bool semicolon = j < s.size() && s[j] == ';';
      const auto it = named().find(name);
      const bool next_blocks = j < s.size() && (alpha(s[j]) || digit(s[j]) || s[j] == '=');
      if (it != named().end() && (semicolon || (legacy(name) && !(in_attribute && next_blocks)))) {
        append_utf8(out, it->second);
        i = semicolon ? j : j - 1;
        continue;
      }
    }
    out += ch;
  }
  return out;
}

void html_tokenizer::skip_to(std::string_view terminator) {
  const auto end = s_.find(terminator, pos_);
  pos_ = end == std::string_view::npos ? s_.size() : end + terminator.size();
}

// A tag's name and attributes, s_[pos_] being the name's first letter. False when the input ends
// inside the tag (a browser drops such a tag too).
bool html_tokenizer::tag(html_token& t, bool closing) {
  t = {};
  t.kind = closing ? html_token::end : html_token::start;
  while (pos_ < s_.size() && !space(s_[pos_]) && s_[pos_] != '/' && s_[pos_] != '>') {
    if (s_[pos_] != '\0') t.name += lower(s_[pos_]);
    ++pos_;
  }
  while (pos_ < s_.size()) {
    const char c = s_[pos_];
    if (space(c)) {
      ++pos_;
    } else if (c == '>') {
      ++pos_;
      return true;
    } else if (c == '/') {
      ++pos_;
      t.self_closing = pos_ < s_.size() && s_[pos_] == '>';
    } else {
      std::string name(1, lower(c));  // a first '=' belongs to the name
      for (++pos_; pos_ < s_.size() && !space(s_[pos_]) && s_[pos_] != '/' && s_[pos_] != '>' && s_[pos_] != '='; ++pos_) {
        name += lower(s_[pos_]);
      }
      while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
      std::string_view value;
      if (pos_ < s_.size() && s_[pos_] == '=') {
        ++pos_;
        while (pos_ < s_.size() && space(s_[pos_])) ++pos_;
        if (pos_ < s_.size() && (s_[pos_] == '"' || s_[pos_] == '\'')) {
          const char quote = s_[pos_++];
          auto end = s_.find(quote, pos_);
          if (end == std::string_view::npos) end = s_.size();
          value = s_.substr(pos_, end - pos_);
          pos_ = end + 1;
        } else {
          const std::size_t start = pos_;
          while (pos_ < s_.size() && !space(s_[pos_]) && s_[pos_] != '>') ++pos_;
          value = s_.substr(start, pos_ - start);
        }
      }
      if (closing || t.attributes.size() >= max_attributes) continue;
      bool seen = false;  // the first of two same-named attributes wins
      for (const auto& a : t.attributes) seen = seen || a.first == name;
      if (!seen) {
        t.attributes.emplace_back(std::move(name), decode_entities(value, true));
      }
    }
  }
  return false;
}

bool html_tokenizer::next(html_token& t) {
  while (pos_ < s_.size()) {
    if (!raw_.empty()) {  // the text of a raw-text element, up to its end tag
      std::size_t end = pos_;
      while (raw_ != "plaintext" && (end = s_.find("</", end)) != std::string_view::npos) {
        std::size_t k = 0;
        while (k < raw_.size() && end + 2 + k < s_.size() && lower(s_[end + 2 + k]) == raw_[k]) ++k;
        const std::size_t after = end + 2 + k;
        if (k == raw_.size() && (after >= s_.size() || space(s_[after]) || s_[after] == '/' || s_[after] == '>')) break;
        end += 2;
      }
      if (raw_ == "plaintext" || end == std::string_view::npos) end = s_.size();
      t = {};
      t.data = std::string(s_.substr(pos_, end - pos_));
      pos_ = end;
      raw_.clear();
      if (!t.data.empty()) return true;
      continue;
    }
    const std::string_view rest = s_.substr(pos_);
    if (rest.size() >= 2 && rest[0] == '<') {
      if (rest.substr(0, 4) == "<!--") {
        pos_ += rest.substr(0, 5) == "<!-->" ? 5 : rest.substr(0, 6) == "<!--->" ? 6 : 4;
        if (rest.substr(0, 5) != "<!-->" && rest.substr(0, 6) != "<!--->") skip_to("-->");
        continue;
      }
      if (rest[1] == '!' || rest[1] == '?' || (rest[1] == '/' && (rest.size() < 3 || !alpha(rest[2])))) {
        skip_to(">");  // a doctype, CDATA, processing instruction or bogus comment
        continue;
      }
      if (alpha(rest[1]) || (rest[1] == '/' && alpha(rest[2]))) {
        const bool closing = rest[1] == '/';
        pos_ += closing ? 2 : 1;
        if (!tag(t, closing)) return false;
        static constexpr std::string_view raw_text[] = {"script", "style", "textarea", "title", "iframe", "xmp",
                                                         "noembed", "noframes", "noscript", "plaintext"};
        for (auto r : raw_text) {
          if (!closing && t.name == r) raw_ = t.name;  // self-closing or not, as a browser reads it
        }
        return true;
      }
    }
    auto end = s_.find('<', pos_ + 1);
    if (end == std::string_view::npos) end = s_.size();
    t = {};
    t.data = decode_entities(s_.substr(pos_, end - pos_), false);
    pos_ = end;
    if (!t.data.empty()) return true;
  }
  return false;
}

}  // namespace switchboard::channels::email
