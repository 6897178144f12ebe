#pragma once
// What the sender wrote this time, apart from the history their mail program quoted under it and
// their signature, so that an agent reads the new words first (issue 14, point 3). Plain text in
// (LF lines, UTF-8); the HTML side is html.hpp's. The approach is talon's (mailgun): mark each line
// (empty, quote, splitter, text) and cut where the quoted history starts; the rules are ours.
// Pure and thread-safe.

#include <string>
#include <string_view>

namespace switchboard::channels::email {

struct reply_parts {
  std::string new_text;   // the text without the quoted history and the signature
  std::string quoted;     // from the attribution ("On … wrote:") or reply header to the last quoted line
  std::string signature;  // from a "-- " line, or a "Sent from my iPhone" line, to the end
};

// Recognised: "> " lines; attributions in English, French, German, Spanish, Portuguese, Italian,
// Dutch, Nordic, Polish, Russian and others, over up to three lines ("On <date>, <name> wrote:",
// "Le … a écrit :", "Am … schrieb …:", "El … escribió:", "02.04.2012 … написал:"); Outlook's
// "-----Original Message-----" and its "From: / Sent: / To:" block; signatures after "-- " or
// "--" and mobile lines ("Sent from my iPhone", "Von meinem iPhone gesendet"...). A reply written
// between the quoted lines (an inline answer) is kept whole. Forwarded mail is never cut.
reply_parts split_reply(std::string_view text);

}  // namespace switchboard::channels::email
