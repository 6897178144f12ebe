#pragma once
// What the fuzz targets share: SB_FUZZ_CHECK, which stops the run on a broken invariant (libFuzzer
// then keeps the input as a crash), an oracle for well-formed UTF-8 written apart from the code
// under test, and the invariants every parsed_webhook keeps. Not linked into the product.

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "channels/update.hpp"

#define SB_FUZZ_CHECK(cond)                                                                   \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

namespace switchboard::fuzz {

// RFC 3629: no overlong forms, no surrogates, nothing past U+10FFFF. Protobuf refuses to parse a
// proto3 string that is not, so every string a parser hands on must be.
inline bool well_formed_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c < 0x80) n = 0;
    else if (c >= 0xC2 && c <= 0xDF) n = 1;
    else if (c == 0xE0) n = 2, lo = 0xA0;
    else if (c >= 0xE1 && c <= 0xEC) n = 2;
    else if (c == 0xED) n = 2, hi = 0x9F;
    else if (c >= 0xEE && c <= 0xEF) n = 2;
    else if (c == 0xF0) n = 3, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) n = 3;
    else if (c == 0xF4) n = 3, hi = 0x8F;
    else return false;
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

// What every parser guarantees, whatever the body: a refused body yields nothing; a message has
// its sender, its id and something to show, all in UTF-8; a status is one the desk shows; a
// change names its sender, its message and itself; a read watermark its reader and a time.
inline void check_webhook(const channels::parsed_webhook& p) {
  if (!p.error.empty()) {
    SB_FUZZ_CHECK(p.messages.empty() && p.statuses.empty() && p.skipped.empty() && p.changes.empty() && p.reads.empty());
  }
  for (const auto& c : p.changes) {  // a reaction, edit or deletion names who, what, and itself
    SB_FUZZ_CHECK(!c.address.empty() && !c.provider_message_id.empty() && !c.change_id.empty());
    SB_FUZZ_CHECK(c.kind != v1::MessageChange::KIND_UNSPECIFIED);
    for (std::string_view s : {std::string_view(c.address), std::string_view(c.provider_message_id), std::string_view(c.change_id),
                               std::string_view(c.emoji), std::string_view(c.body)}) {
      SB_FUZZ_CHECK(well_formed_utf8(s));
    }
  }
  for (const auto& r : p.reads) SB_FUZZ_CHECK(!r.address.empty() && r.watermark_ms > 0 && well_formed_utf8(r.address));
  for (const auto& m : p.messages) {
    SB_FUZZ_CHECK(!m.address.empty());
    SB_FUZZ_CHECK(!m.provider_message_id.empty());
    SB_FUZZ_CHECK(!m.body.empty() || !m.attachments.empty());
    for (std::string_view s : {std::string_view(m.business_id), std::string_view(m.address), std::string_view(m.display_name),
                               std::string_view(m.provider_message_id), std::string_view(m.in_reply_to), std::string_view(m.body)}) {
      SB_FUZZ_CHECK(well_formed_utf8(s));
    }
    for (const auto& a : m.attachments) {
      SB_FUZZ_CHECK(!a.url().empty());
      SB_FUZZ_CHECK(well_formed_utf8(a.url()) && well_formed_utf8(a.content_type()) && well_formed_utf8(a.file_name()));
    }
  }
  for (const auto& s : p.statuses) {
    SB_FUZZ_CHECK(s.state == "delivered" || s.state == "read" || s.state == "failed");
    SB_FUZZ_CHECK(well_formed_utf8(s.provider_message_id) && well_formed_utf8(s.reason));
  }
  for (const auto& [kind, n] : p.skipped) {
    SB_FUZZ_CHECK(n > 0);  // a kind is counted once seen, never listed at zero
    SB_FUZZ_CHECK(well_formed_utf8(kind));
  }
}

}  // namespace switchboard::fuzz
