#pragma once
// Reading a provider's JSON without trusting its shape: every accessor answers an empty value
// for a missing key or a value of another type, so a parser reads like the provider's docs.

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "channels/update.hpp"

namespace switchboard::channels {
// Parses a webhook's body (a leading byte order mark ignored); false with p.error set if it is not JSON.
bool parse_json(std::string_view body, boost::json::value& out, parsed_webhook& p);
// `bytes` as UTF-8: each ill-formed sequence (its maximal subpart, as Unicode recommends) becomes
// U+FFFD. Every string a parser hands on must be UTF-8: protobuf refuses to parse a proto3 string
// that is not. (JSON strings are already: Boost.JSON refuses a body that is not.)
std::string as_utf8(std::string_view bytes);
}  // namespace switchboard::channels

namespace switchboard::channels::json_view {

// The value at `key` of an object; null when `v` is not an object or has no such key.
const boost::json::value& at(const boost::json::value& v, std::string_view key);
const boost::json::array& array(const boost::json::value& v, std::string_view key);
// A string, or a number written as text (ids come as either); "" otherwise.
std::string text(const boost::json::value& v, std::string_view key);
// A number, or a string of digits, that an int64 holds; 0 otherwise.
std::int64_t integer(const boost::json::value& v, std::string_view key);
// Unix seconds as milliseconds; 0 (no time known) for none, a negative one, or one past what
// int64 milliseconds hold.
std::int64_t seconds_as_ms(const boost::json::value& v, std::string_view key);
double real(const boost::json::value& v, std::string_view key);
bool flag(const boost::json::value& v, std::string_view key);
bool has(const boost::json::value& v, std::string_view key);

}  // namespace switchboard::channels::json_view
