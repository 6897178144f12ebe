#include "channels/email/charset.hpp"

#include <iconv.h>

#include <array>
#include <cerrno>
#include <utility>

namespace switchboard::channels::email {

namespace {

// The length of the well-formed sequence starting at s[i], or 0 when it is not one.
std::size_t sequence_length(std::string_view s, std::size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) n = 1;
  else if (c == 0xE0) n = 2, lo = 0xA0;
  else if (c >= 0xE1 && c <= 0xEC) n = 2;
  else if (c == 0xED) n = 2, hi = 0x9F;
  else if (c >= 0xEE && c <= 0xEF) n = 2;
  else if (c == 0xF0) n = 3, lo = 0x90;
  else if (c >= 0xF1 && c <= 0xF3) n = 3;
  else if (c == 0xF4) n = 3, hi = 0x8F;
  else return 0;
  if (i + n >= s.size()) return 0;
  for (std::size_t k = 1; k <= n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return n + 1;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"' || s.front() == '\'')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"' || s.back() == '\'')) s.remove_suffix(1);
  return s;
}

// Labels that name no charset at all: the bytes are sniffed.
bool unlabelled(std::string_view l) {
  for (std::string_view x : {"", "us-ascii", "ascii", "ansi_x3.4-1968", "iso646-us", "us", "unknown-8bit", "x-unknown",
                             "unknown", "default", "8bit", "7bit", "x-user-defined"}) {
    if (l == x) return true;
  }
  return false;
}

// What mail programs write against what they mean (the WHATWG Encoding Standard's reading): a
// "latin1" mail is windows-1252, a "Shift_JIS" one is Microsoft's CP932, "gb2312" is GB18030.
std::string iconv_name(const std::string& l) {
  static const std::array<std::pair<std::string_view, std::string_view>, 31> aliases{{
      {"iso-8859-1", "WINDOWS-1252"}, {"iso8859-1", "WINDOWS-1252"}, {"iso_8859-1", "WINDOWS-1252"},
      {"latin1", "WINDOWS-1252"}, {"l1", "WINDOWS-1252"}, {"cp819", "WINDOWS-1252"}, {"cp1252", "WINDOWS-1252"},
      {"x-cp1252", "WINDOWS-1252"}, {"iso-8859-9", "WINDOWS-1254"}, {"latin5", "WINDOWS-1254"},
      {"shift_jis", "CP932"}, {"shift-jis", "CP932"}, {"sjis", "CP932"}, {"x-sjis", "CP932"},
      {"ms_kanji", "CP932"}, {"windows-31j", "CP932"}, {"csshiftjis", "CP932"},
      {"gb2312", "GB18030"}, {"gbk", "GB18030"}, {"x-gbk", "GB18030"}, {"cp936", "GB18030"},
      {"euc-cn", "GB18030"}, {"csgb2312", "GB18030"}, {"chinese", "GB18030"},
      {"ks_c_5601-1987", "CP949"}, {"euc-kr", "CP949"}, {"korean", "CP949"}, {"windows-949", "CP949"},
      {"iso-8859-8-i", "ISO-8859-8"}, {"tis-620", "CP874"}, {"big5", "BIG5-HKSCS"},
  }};
  for (const auto& [label, name] : aliases) {
    if (l == label) return std::string(name);
  }
  return l == "utf8" ? "UTF-8" : l;
}

// iconv over all of `bytes`; every byte it cannot read becomes U+FFFD. False when iconv does not
// know the charset.
bool convert(std::string_view bytes, const std::string& from, std::string& out, std::size_t& bad) {
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  char* in = const_cast<char*>(bytes.data());  // iconv's signature; it does not write the input
  std::size_t in_left = bytes.size();
  std::array<char, 16384> buf;
  while (true) {
    char* o = buf.data();
    std::size_t o_left = buf.size();
    const std::size_t r = iconv(cd, in_left ? &in : nullptr, in_left ? &in_left : nullptr, &o, &o_left);
    out.append(buf.data(), buf.size() - o_left);
    if (r != static_cast<std::size_t>(-1)) {
      if (in_left == 0) break;
      continue;
    }
    const int err = errno;
    if (err == E2BIG) continue;
    append_utf8(out, 0xFFFD);  // EILSEQ: a byte not of this charset; EINVAL: cut at the end
    ++bad;
    if (err != EILSEQ || in_left == 0) break;
    ++in, --in_left;
  }
  iconv_close(cd);
  return true;
}

}  // namespace

bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto n = sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string repair_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto n = sequence_length(s, i);
    if (n == 0) {
      append_utf8(out, 0xFFFD);
      ++i;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) c = 0xFFFD;
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string to_utf8(std::string_view bytes, std::string_view charset, std::string& problem) {
  problem.clear();
  const std::string label = lower(trim(charset));
  const std::string shown = repair_utf8(label.substr(0, 40));
  std::string out;
  std::size_t bad = 0;
  if (!unlabelled(label)) {
    const std::string name = iconv_name(label);
    if (name == "UTF-8" || label == "utf-8") {
      if (is_utf8(bytes)) return std::string(bytes);
      problem = "invalid UTF-8 replaced";
      return repair_utf8(bytes);
    }
    if (convert(bytes, name, out, bad)) {
      if (bad) problem = std::to_string(bad) + " bytes not valid in " + shown + " replaced";
      return out;
    }
    problem = "unknown charset '" + shown + "'";
  }
  if (is_utf8(bytes)) return std::string(bytes);
  if (problem.empty()) problem = "8-bit text without a charset";
  problem += ": read as windows-1252";
  out.clear();
  convert(bytes, "WINDOWS-1252", out, bad);
  return out;
}

std::string lf_newlines(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\r') {
      out += s[i];
    } else if (i + 1 >= s.size() || s[i + 1] != '\n') {
      out += '\n';
    }
  }
  return out;
}

std::string collapse_spaces(std::string_view s) {
  std::string out;
  for (const char c : s) {
    const bool blank = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (blank && (out.empty() || out.back() == ' ')) continue;
    out += blank ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// From the first line with text to the last character that is not blank.
std::string trim_blank_lines(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\n");
  if (first == std::string_view::npos) return {};
  const auto line = s.rfind('\n', first);
  s.remove_prefix(line == std::string_view::npos ? 0 : line + 1);
  return std::string(s.substr(0, s.find_last_not_of(" \t\n") + 1));
}

std::string unflow(std::string_view text, bool delsp) {
  std::string out, para;
  std::size_t para_depth = 0;
  bool open = false;
  const auto flush = [&] {
    out.append(para_depth, '>');
    if (para_depth) out += ' ';
    out += para;
    out += '\n';
    para.clear();
    open = false;
  };
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    std::size_t depth = 0;
    while (depth < line.size() && line[depth] == '>') ++depth;
    line.remove_prefix(depth);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);  // space stuffing
    const bool flowed = line != "-- " && !line.empty() && line.back() == ' ';
    if (open && depth != para_depth) flush();  // a quote depth change ends a paragraph
    para_depth = depth;
    open = true;
    if (flowed && delsp) line.remove_suffix(1);
    para += line;
    if (!flowed) flush();
  }
  if (open) flush();
  if (!text.empty() && text.back() != '\n' && !out.empty()) out.pop_back();
  return out;
}

}  // namespace switchboard::channels::email
