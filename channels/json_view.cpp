#include "channels/json_view.hpp"

#include <charconv>
#include <limits>

namespace switchboard::channels::json_view {

namespace json = boost::json;

namespace {

const json::value* find(const json::value& v, std::string_view key) {
  const auto* o = v.if_object();
  if (!o) return nullptr;
  auto it = o->find(key);
  return it == o->end() ? nullptr : &it->value();
}

}  // namespace

const json::value& at(const json::value& v, std::string_view key) {
  static const json::value null;
  const auto* f = find(v, key);
  return f ? *f : null;
}

const json::array& array(const json::value& v, std::string_view key) {
  static const json::array empty;
  const auto* f = find(v, key);
  return f && f->is_array() ? f->get_array() : empty;
}

std::string text(const json::value& v, std::string_view key) {
  const auto* f = find(v, key);
  if (!f) return {};
  if (f->is_string()) return std::string(f->get_string());
  if (f->is_int64()) return std::to_string(f->get_int64());
  if (f->is_uint64()) return std::to_string(f->get_uint64());
  return {};
}

std::int64_t integer(const json::value& v, std::string_view key) {
  const auto* f = find(v, key);
  if (!f) return 0;
  if (f->is_int64()) return f->get_int64();
  // Boost.JSON keeps a uint64 only for what an int64 cannot hold.
  if (f->is_uint64()) return 0;
  if (f->is_double()) {
    // A cast from a double out of int64's range is undefined behaviour.
    const double d = f->get_double();
    return d >= -0x1p63 && d < 0x1p63 ? static_cast<std::int64_t>(d) : 0;
  }
  if (f->is_string()) {
    const auto s = f->get_string();
    std::int64_t n = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() ? n : 0;
  }
  return 0;
}

std::int64_t seconds_as_ms(const json::value& v, std::string_view key) {
  const std::int64_t s = integer(v, key);
  return s > 0 && s <= std::numeric_limits<std::int64_t>::max() / 1000 ? s * 1000 : 0;
}

double real(const json::value& v, std::string_view key) {
  const auto* f = find(v, key);
  if (!f) return 0;
  if (f->is_double()) return f->get_double();
  if (f->is_int64()) return static_cast<double>(f->get_int64());
  if (f->is_uint64()) return static_cast<double>(f->get_uint64());
  return 0;
}

bool flag(const json::value& v, std::string_view key) {
  const auto* f = find(v, key);
  return f && f->is_bool() && f->get_bool();
}

bool has(const json::value& v, std::string_view key) { return find(v, key) != nullptr; }

}  // namespace switchboard::channels::json_view

namespace switchboard::channels {

std::string as_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += s[i++];
      continue;
    }
    // RFC 3629's table: how many bytes follow the lead, and the second byte's range (no overlong
    // forms, no surrogates, nothing past U+10FFFF).
    std::size_t need = 0;
    unsigned lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      lo = c == 0xE0 ? 0xA0 : 0x80;
      hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      lo = c == 0xF0 ? 0x90 : 0x80;
      hi = c == 0xF4 ? 0x8F : 0xBF;
    }
    std::size_t k = 1;  // the well-formed prefix's length
    while (k <= need && i + k < s.size()) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (b < (k == 1 ? lo : 0x80u) || b > (k == 1 ? hi : 0xBFu)) break;
      ++k;
    }
    if (need > 0 && k == need + 1) out.append(s.substr(i, k));
    else out += "\xEF\xBF\xBD";
    i += k;
  }
  return out;
}

}  // namespace switchboard::channels
