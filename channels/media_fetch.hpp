#pragma once
// How to fetch an attachment a provider's webhook referred to (the parsers keep references, never
// content: meta.hpp, telegram.hpp, twilio.hpp). Pure: the media role (media/media_fetcher.hpp)
// sends these calls with net/https_client and stores what comes back.
//  - WhatsApp `whatsapp-media:<id>`: GET {api}/{id} with the account's Bearer token answers
//    {"url", "mime_type", "sha256", "file_size"}; then GET that url with the same token.
//  - Telegram `telegram-file:<file_id>`: GET {api}/bot{token}/getFile?file_id= answers
//    {"ok", "result": {"file_path", "file_size"}}; then GET {api}/file/bot{token}/{file_path}.
//  - Messenger, Instagram: the https URL of Meta's CDN, as is (signed by Meta; no token).
//  - Twilio: the MediaUrl, with the account's Basic auth when it is Twilio's (or the account's
//    api_url's) host; Twilio answers with a redirect to its CDN, followed without the auth.
// Only https:// (or the scheme of the account's own api_url) is fetched.

#include <cstdint>
#include <string>

#include "channels/outgoing.hpp"
#include "proto/config.pb.h"

namespace switchboard::channels {

struct media_step {
  outgoing_call call;     // empty url: nothing to fetch (the error says why)
  bool metadata = false;  // the answer describes the file (read it with media_download); else it is the file
};

// The first request for an attachment `url` as the parser wrote it.
media_step media_first(const v1::ChannelAccount& account, const std::string& url, std::string& error);

// What a metadata answer says about the file, and the request that downloads it.
struct media_meta {
  std::string content_type;  // "" if the provider did not say
  std::int64_t size = -1;    // -1 if the provider did not say
};
media_step media_download(const v1::ChannelAccount& account, const std::string& answer, media_meta& meta, std::string& error);

// The request a redirect (`location`, absolute or relative) from `from` leads to: its auth is
// kept only on the same scheme, host and port. Empty url if the location is not to be followed.
outgoing_call follow_redirect(const outgoing_call& from, const std::string& location);

}  // namespace switchboard::channels
