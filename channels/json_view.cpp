#include "channels/json_view.hpp"

#include <charconv>

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
  if (f->is_uint64()) return static_cast<std::int64_t>(f->get_uint64());
  if (f->is_double()) return static_cast<std::int64_t>(f->get_double());
  if (f->is_string()) {
    const auto s = f->get_string();
    std::int64_t n = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), n);
    return r.ec == std::errc() && r.ptr == s.data() + s.size() ? n : 0;
  }
  return 0;
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
