#pragma once
// The providers' webhook signatures, checked over the raw request before anything is parsed, each
// compared in constant time (CRYPTO_memcmp):
//  - Meta (WhatsApp Cloud API, Messenger, Instagram): X-Hub-Signature-256 is "sha256=" and the
//    lower-case hex HMAC-SHA256 of the raw body under the app secret.
//  - Telegram: X-Telegram-Bot-Api-Secret-Token repeats the secret_token given to setWebhook.
//  - Twilio: X-Twilio-Signature is base64 HMAC-SHA1, under the account's auth token, of the full
//    public URL Twilio posted to followed by every POST parameter's name and value, sorted by name.
// Pure; thread-safe.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace switchboard::channels {

enum class signature_check {
  ok,
  missing,  // no header (or an empty one): 401
  wrong,    // present and not the provider's: 403
};

signature_check check_meta_signature(std::string_view app_secret, std::string_view body, std::string_view header);
signature_check check_telegram_secret(std::string_view secret_token, std::string_view header);

using form_fields = std::vector<std::pair<std::string, std::string>>;
// `url`: the public URL the provider was told (scheme, host, port, path and query as configured).
signature_check check_twilio_signature(std::string_view auth_token, std::string_view url, const form_fields& fields,
                                       std::string_view header);

// What Twilio sends in X-Twilio-Signature for this request (the tests sign with it too).
std::string twilio_signature(std::string_view auth_token, std::string_view url, const form_fields& fields);
// What Meta sends in X-Hub-Signature-256 for this body.
std::string meta_signature(std::string_view app_secret, std::string_view body);

// Standard base64 with padding (RFC 4648 §4), as Twilio's signature and HTTP Basic auth use.
std::string base64(std::string_view bytes);

// An application/x-www-form-urlencoded body decoded ('+' is a space, %XX a byte), in order; false
// for a malformed escape.
bool parse_form(std::string_view body, form_fields& out);

}  // namespace switchboard::channels
