#pragma once
// A Redis reply as a plain value, copied out of hiredis's reply tree so it outlives the callback.
// Owns no connection state; error replies keep their text so callers can tell NOSCRIPT or NOCONV.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace switchboard::store {

struct reply {
  enum class kind { nil, integer, string, status, error, array };

  kind type = kind::nil;
  std::int64_t integer = 0;
  std::string str;               // string, status and error replies
  std::vector<reply> elements;   // array replies

  static reply from_hiredis(const redisReply* r);
  // Built by hand (tests, decoders' fixtures).
  static reply string_of(std::string s);
  static reply integer_of(std::int64_t v);
  static reply array_of(std::vector<reply> elements);

  bool is_nil() const noexcept { return type == kind::nil; }
  bool is_error() const noexcept { return type == kind::error; }
  bool is_array() const noexcept { return type == kind::array; }
  bool is_string() const noexcept { return type == kind::string || type == kind::status; }
  // The error reply's code word ("NOSCRIPT", "ERR", ...), empty if not an error.
  std::string_view error_code() const noexcept;
  // The integer value of an integer reply or a decimal string reply.
  std::optional<std::int64_t> as_int() const noexcept;
};

}  // namespace switchboard::store
