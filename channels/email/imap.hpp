#pragma once
// What an IMAP server says (RFC 9051 / RFC 3501), as plain data: the server's bytes in, whole
// responses out, literals ({N} and the N bytes after it) carried beside their line, no sockets
// (gateway/imap_connection.hpp carries it over TCP and TLS). Only what reading a mailbox needs:
// status responses with their codes ([UIDVALIDITY n], [CAPABILITY ...]), CAPABILITY, EXISTS and
// FETCH with UID, RFC822.SIZE and BODY[]. Anything else is a response too, left unparsed. Limits
// on a line and a literal keep a broken or hostile server from growing memory without end: past
// them the reader fails and the connection is closed. Not thread-safe: one per connection.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::channels::email {

struct imap_response {
  std::string tag;     // "*" (untagged), "+" (go on), or the tag of the command it ends
  std::string status;  // OK, NO, BAD, BYE, PREAUTH (upper case); "" for data ("3 EXISTS")
  std::string text;    // the rest of the line(s), each literal left as its "{N}" marker
  std::vector<std::string> literals;  // the literals' bytes, in order
};

struct imap_limits {
  std::size_t max_line = 64 * 1024;               // one line, literals not counted
  std::size_t max_literal = 64ull * 1024 * 1024;  // one literal
  std::size_t max_literals = 16;                  // in one response
};

class imap_reader {
 public:
  explicit imap_reader(imap_limits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes) { in_.append(bytes); }
  // The next whole response, or nullopt when more bytes are needed or the reader failed.
  std::optional<imap_response> next();
  // Why the reader failed ("" while it has not): a line or literal over its limit, a bad marker.
  const std::string& error() const { return error_; }

 private:
  imap_limits limits_;
  std::string in_;          // what arrived and is not part of a response returned yet
  imap_response partial_;   // the response being read: its text and literals so far
  std::string error_;
};

// The number of a response code in `text` ("[UIDVALIDITY 3857529045] ..." → 3857529045).
std::optional<std::uint64_t> imap_code_number(std::string_view text, std::string_view code);

// Capabilities, upper case, from a "CAPABILITY ..." data response or a "[CAPABILITY ...]" code.
std::optional<std::set<std::string>> imap_capabilities(const imap_response& r);

// "3 EXISTS" → 3.
std::optional<std::uint64_t> imap_exists(const imap_response& r);

struct imap_fetched {
  std::uint64_t seq = 0;
  std::optional<std::uint64_t> uid;
  std::optional<std::uint64_t> size;        // RFC822.SIZE
  std::optional<std::string> body;          // BODY[] (a literal or a quoted string; NIL: none)
  std::set<std::string> flags;              // FLAGS, as sent ("\Seen")
};
// An untagged FETCH response, or nullopt when `r` is not one (or cannot be read).
std::optional<imap_fetched> imap_fetch(const imap_response& r);

// A quoted string for a command ("INBOX" → "\"INBOX\""), or nullopt when `s` cannot be one
// (CR, LF, NUL or a byte over 127: those need a literal, which we do not send).
std::optional<std::string> imap_quoted(std::string_view s);

}  // namespace switchboard::channels::email
