#include "store/redis_reply.hpp"

#include <hiredis/hiredis.h>

#include <charconv>

namespace switchboard::store {

reply reply::from_hiredis(const redisReply* r) {
  reply out;
  if (r == nullptr) return out;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      out.type = kind::integer;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      out.type = kind::string;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = kind::status;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = kind::error;
      out.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      out.type = kind::array;
      out.elements.reserve(r->elements);
      for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(from_hiredis(r->element[i]));
      break;
    default:
      out.type = kind::nil;
  }
  return out;
}

std::string_view reply::error_code() const noexcept {
  if (type != kind::error) return {};
  std::string_view s(str);
  return s.substr(0, s.find(' '));
}

std::optional<std::int64_t> reply::as_int() const noexcept {
  if (type == kind::integer) return integer;
  if (type != kind::string) return std::nullopt;
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(str.data(), str.data() + str.size(), v);
  if (ec != std::errc() || end != str.data() + str.size()) return std::nullopt;
  return v;
}

reply reply::string_of(std::string s) {
  reply r;
  r.type = kind::string;
  r.str = std::move(s);
  return r;
}

reply reply::integer_of(std::int64_t v) {
  reply r;
  r.type = kind::integer;
  r.integer = v;
  return r;
}

reply reply::array_of(std::vector<reply> elements) {
  reply r;
  r.type = kind::array;
  r.elements = std::move(elements);
  return r;
}

}  // namespace switchboard::store
