#pragma once
// One raw RFC 5322 message as Switchboard reads it: threading ids, people, subject, date, the text
// (and what is new in it), sanitised HTML, attachments, and whether a machine wrote it (auto-reply,
// delivery report). Owns MIME parsing only: storing, threading and routing are conversation/'s.
//
// Built on GMime 3 (Debian's libgmime-3.0, LGPL-2.1): it decodes RFC 2047 encoded words and RFC
// 2231 file names, reads raw 8-bit and RFC 6532 UTF-8 headers, is lenient with broken mail and
// stops at its own MIME nesting limit. Passed over: vmime (GPL-3, blocking I/O), mimetic
// (unmaintained, no charset conversion), libetpan (low level, C structs to walk by hand). Body
// charsets go through glibc iconv here (charset.hpp), so that a bad byte costs a U+FFFD, not a part.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace switchboard::channels::email {

struct mail_address {
  std::string name;     // the display name, decoded; may be empty
  std::string address;  // local part as given, domain in lower case
};

struct mail_attachment {
  std::string filename;      // decoded (RFC 2231 / 2047), without any folder part; may be empty
  std::string content_type;  // "application/pdf", lower case
  std::string content_id;    // without < >; what an HTML body's "cid:" refers to
  bool is_inline = false;    // Content-Disposition: inline, or a part of multipart/related with an id
  std::string data;          // the decoded bytes
};

struct mail_limits {
  std::size_t max_bytes = 25u << 20;             // a larger message is refused whole
  std::size_t max_attachments = 20;              // more are dropped (and noted in problems)
  std::size_t max_attachment_bytes = 20u << 20;  // a larger attachment is dropped (and noted)
  std::size_t max_parts = 200;                   // MIME parts read; the rest are ignored (and noted)
  int max_depth = 20;                            // multipart nesting read; deeper parts are ignored
};

struct parsed_mail {
  std::string message_id;               // without < >; empty if none
  std::string in_reply_to;              // the first id, without < >
  std::vector<std::string> references;  // every valid id in order, once; invalid ones skipped
  mail_address from, reply_to, sender;  // the first mailbox of each; empty when absent
  std::vector<mail_address> to, cc;     // groups flattened
  std::string subject;                  // decoded, folding white space collapsed
  std::int64_t date_ms = 0;             // 0 when absent or unparseable

  std::string text;       // the whole text: the text/plain parts, else the HTML rendered as text
  std::string new_text;   // what the sender wrote this time: `text` without quoted history and signature
  std::string quoted;     // the quoted history cut off (may be empty)
  std::string signature;  // the signature cut off (may be empty)
  std::string html;       // sanitised HTML (html.hpp); empty when the mail has none
  std::vector<mail_attachment> attachments;  // the parts that are not the body, within the limits

  // Loops and noise (issue 14, point 5): none of these is routed to an agent.
  bool automatic = false;        // an auto-reply, list mail or other report (report.hpp says by what)
  std::string automatic_reason;  // "Auto-Submitted: auto-replied", "Precedence: bulk", ...
  bool bounce = false;           // a delivery status notification (multipart/report, RFC 3464)
  std::string bounced_message_id;  // the Message-ID of the returned message
  std::string bounced_recipient;
  std::string bounce_status;     // "5.1.1"
  std::string bounce_reason;
  bool permanent_failure = false;  // status 5.x.x: sending again will not help

  std::vector<std::string> problems;  // what was malformed and tolerated, once each, at most 32
};

// Every string of the result is valid UTF-8, text fields use LF line ends. Never throws, whatever
// the bytes. Errors (errc::bad_input): larger than limits.max_bytes, or no usable header at all
// (not one of From, To, Subject, Date, Message-ID, Content-Type... could be read).
// Thread-safe: each call owns its GMime objects (GMime is initialised once, on first use).
result<parsed_mail> parse_mail(std::string_view raw, const mail_limits& limits = {});

// The message ids of a Message-ID, In-Reply-To or References value, without < >, in order, once
// each: an id holding white space or control characters (a broken fold) is skipped; a value with
// no < > at all is read as ids separated by white space or commas.
std::vector<std::string> message_ids(std::string_view value);

}  // namespace switchboard::channels::email
