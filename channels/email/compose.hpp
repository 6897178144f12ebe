#pragma once
// The mail an agent's reply becomes (issue 14, point 6): From the inbox with the agent's name,
// Reply-To the reply address that carries the conversation, our stable Message-ID (a retry is
// the same mail, byte for byte), In-Reply-To and References to the customer's mail, "Re:" on the
// conversation's subject, the reply as text/plain UTF-8 with the customer's last mail quoted
// under it, attachments as base64 parts. Headers with non-ASCII text are RFC 2047 encoded; lines
// end CRLF. Built with GMime 3 (as mime.hpp reads mail). Pure; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace switchboard::channels::email {

struct outgoing_attachment {
  std::string file_name;
  std::string content_type;  // "application/pdf"
  std::string data;
};

struct outgoing_mail {
  std::string from_name;     // "Ana at Example Support"
  std::string from_address;  // the inbox
  std::string reply_to;      // the reply address (empty: none)
  std::string to_name;
  std::string to_address;
  std::string subject;       // as it goes out (reply_subject() makes "Re: ...")
  std::string message_id;    // without < >
  std::string in_reply_to;   // without < >; empty: none
  std::vector<std::string> references;  // without < >, oldest first
  std::int64_t date_ms = 0;
  std::string body;          // the agent's text
  // The customer's mail answered, quoted under the reply ("On <date>, <who> wrote:" and "> " lines).
  std::string quoted_who;
  std::int64_t quoted_date_ms = 0;
  std::string quoted_text;
  std::vector<outgoing_attachment> attachments;
  bool automatic = false;    // "Auto-Submitted: auto-generated" (a code we send, not a person's answer)
};

/** "Re: <subject>", unless it answers already ("Re: ...", "AW: ..."); "Re: your message" for none. */
std::string reply_subject(std::string_view subject);

/** The message, RFC 5322, CRLF line ends: what goes after SMTP's DATA. */
std::string compose_mail(const outgoing_mail& m);

}  // namespace switchboard::channels::email
