#pragma once
// Loops and noise (issue 14, point 5): what marks a mail as written by a machine, from its header
// (RFC 3834's Auto-Submitted, Precedence, the vendors' X- fields), and what a delivery status
// notification (RFC 3464) says of the message it returns. Plain text in: mime.cpp finds the fields
// and the parts. Pure and thread-safe.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::channels::email {

// A header as (name, value) pairs, in order; names as written, values unfolded and trimmed.
using header_fields = std::vector<std::pair<std::string, std::string>>;

// "Name: value" lines, folded lines joined, in blocks separated by blank lines: a DSN's body, a
// text/rfc822-headers part. Lines that are no field are skipped; at most 1000 fields are read.
std::vector<header_fields> field_blocks(std::string_view text);

// The value of the first field named `name` (any case), or empty.
std::string_view field(const header_fields& fields, std::string_view name);

// Why the message is automatic ("Auto-Submitted: auto-replied", "Precedence: bulk"), or empty when
// its header says nothing of the kind. A subject like "Out of office" is never enough alone: people
// write such subjects too.
std::string automatic_reason(const header_fields& header);

struct delivery_status {
  std::string recipient;   // Original-Recipient (what we wrote), else Final-Recipient, without "rfc822;"
  std::string action;      // failed, delayed, delivered, relayed or expanded (lower case)
  std::string status;      // "5.1.1"; empty when the report gives none
  std::string reason;      // the Diagnostic-Code text, else the Status comment, else RFC 3463's meaning
  bool permanent = false;  // a 5.x.x status, or "failed" with none: retrying will not help
};

// The recipient a message/delivery-status body reports on: the first that failed, else the first
// delayed, else the first. Empty when the body names no recipient.
std::optional<delivery_status> parse_delivery_status(std::string_view body);

}  // namespace switchboard::channels::email
