#pragma once
// The reply address that carries a conversation (issue 14, threading): an agent's email goes out
// from `support+<conversation>.<mac>@example.com`, so the customer's answer finds its
// conversation whatever their mail program does with the headers. The mac is 80 bits of
// HMAC-SHA256 of the conversation id under the server's secret: nobody can make an address that
// lands in another customer's conversation. Case-insensitive (some mail servers lower-case local
// parts; conversation ids are Crockford base32 ULIDs). Pure; thread-safe.

#include <optional>
#include <string>
#include <string_view>

namespace switchboard::channels::email {

/** `inbox` ("support@example.com") with the conversation's tag after a '+'. */
std::string reply_address(std::string_view inbox, std::string_view conversation_id, std::string_view secret);

/** The conversation a recipient address carries, when its tag is one this secret made for
 * `inbox`'s local part and domain; nullopt for the plain inbox, another inbox, or a forged tag. */
std::optional<std::string> conversation_of(std::string_view recipient, std::string_view inbox, std::string_view secret);

/** A message of ours: a reply's conversation and seq. */
struct our_message {
  std::string conversation_id;
  long long seq = 0;
};

/** The Message-ID (without < >) of our message `seq` of a conversation:
 * `sb.<conversation>.<seq>.<mac>@<host>`. The same every time, so a retry sends the same mail;
 * the mac makes it ours: a customer's answer names it in In-Reply-To and References, a bounce in
 * its report, and our own mail coming back is known by it. */
std::string our_message_id(std::string_view conversation_id, long long seq, std::string_view host, std::string_view secret);

/** The conversation and seq an id of ours carries (any host: the name may have changed); nullopt
 * for another's id or a forged one. */
std::optional<our_message> read_our_message_id(std::string_view message_id, std::string_view secret);

}  // namespace switchboard::channels::email
