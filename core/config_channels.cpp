// The `channels` section's checks (docs/CHANNELS.md): messaging accounts, WhatsApp templates,
// media, email. Each failure names the key's path.
#include "core/config.hpp"
#include "core/config_checks.hpp"
#include "core/templates.hpp"

#include <algorithm>
#include <fstream>
#include <set>

namespace switchboard::config_checks {
namespace {

// WhatsApp's rules for a template's name and language, and our own: its {{n}} and `variables` agree.
void validate_templates(const v1::ChannelsConfig& ch) {
  std::set<std::string> seen;
  for (int i = 0; i < ch.whatsapp_templates_size(); ++i) {
    const std::string p = "channels.whatsapp_templates[" + std::to_string(i) + "]";
    const auto& t = ch.whatsapp_templates(i);
    if (t.name().empty() || t.name().size() > 512 || t.name().find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      fail(p + ".name", "must be 1-512 lower-case letters, digits or '_', as WhatsApp Manager names it");
    }
    if (t.language().empty()) fail(p + ".language", "is required (the language code it was approved in, e.g. en_US)");
    if (!seen.insert(t.name() + "/" + t.language()).second) fail(p + ".language", "'" + t.name() + "' in " + t.language() + " is listed twice");
    if (t.body().empty()) fail(p + ".body", "must not be empty (the template's body text, with {{1}}, {{2}}, ...)");
    const int n = template_placeholders(t.body());
    if (n < 0) fail(p + ".body", "its placeholders must be {{1}}, {{2}}, ... with none skipped");
    if (n != t.variables_size()) {
      fail(p + ".variables", "the body takes " + std::to_string(n) + " variable(s), " + std::to_string(t.variables_size()) + " named");
    }
  }
}

// Attachments: the blob store's folder, the limits, the types taken (lower case "type/subtype", or
// "type/*" for a family).
void validate_media(const v1::MediaConfig& m) {
  check_range(m.max_bytes(), 1024, std::int64_t(1) << 30, "channels.media.max_bytes");
  check_range(m.fetch_attempts(), 1, 100, "channels.media.fetch_attempts");
  if (!m.url_secret().empty() && m.url_secret().size() < 32) fail("channels.media.url_secret", "must be at least 32 bytes");
  for (int i = 0; i < m.allowed_types_size(); ++i) {
    const std::string& t = m.allowed_types(i);
    const auto slash = t.find('/');
    const bool ok = slash != std::string::npos && slash > 0 && slash + 1 < t.size() && t.find('/', slash + 1) == std::string::npos &&
                    t.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.+-_/*") == std::string::npos &&
                    (t.find('*') == std::string::npos || (t.ends_with("/*") && t.find('*') == t.size() - 1));
    if (!ok) fail("channels.media.allowed_types[" + std::to_string(i) + "]", "must be a lower-case MIME type (image/png) or a family (image/*)");
  }
}

// An IMAP mailbox: where it is, how to sign in, which inbox it receives for, names IMAP can carry.
void validate_mailbox(const v1::EmailConfig& e, int i) {
  const std::string p = "channels.email.mailboxes[" + std::to_string(i) + "]";
  const auto& m = e.mailboxes(i);
  if (m.host().empty()) fail(p + ".host", "is required (imap.example.com)");
  check_range(m.port(), 1, 65535, p + ".port");
  check_one_of(m.tls(), {"implicit", "starttls", "none"}, p + ".tls");
  if (m.username().empty()) fail(p + ".username", "is required");
  if (m.password().empty()) {
    fail(p + ".password", "is required (set it in " + secret_env_name("channels.email.mailboxes." + std::to_string(i) + ".password") + ")");
  }
  if (m.tls() == "none" && m.host() != "127.0.0.1" && m.host() != "::1" && m.host() != "localhost") {
    fail(p + ".tls", "may be none only for a server on loopback: a password never goes in the clear");
  }
  const auto printable = [](const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](unsigned char ch) { return ch >= 0x20 && ch < 0x7f; });
  };
  if (m.folder().empty() || !printable(m.folder())) fail(p + ".folder", "must be a folder name in printable ASCII (INBOX)");
  if (!printable(m.move_to())) fail(p + ".move_to", "must be a folder name in printable ASCII (Archive)");
  if (!m.move_to().empty() && m.move_to() == m.folder()) fail(p + ".move_to", "must be another folder than folder");
  check_range(m.poll_seconds(), 1, 1500, p + ".poll_seconds");
  if (e.inboxes_size() == 0) fail("channels.email.inboxes", "must name at least one address when mailboxes are read");
  const bool known = m.inbox().empty() || std::any_of(e.inboxes().begin(), e.inboxes().end(), [&](const v1::EmailInbox& in) {
                       return in.address().size() == m.inbox().size() &&
                              std::equal(in.address().begin(), in.address().end(), m.inbox().begin(), [](char a, char b) {
                                return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                              });
                     });
  if (!known) fail(p + ".inbox", "'" + m.inbox() + "' is not one of channels.email.inboxes");
}

// Email: inboxes (each once, a queue that exists), the listener's address and certificate, limits,
// and the reply secret every reply address is made with.
void validate_email(const v1::Config& c) {
  const auto& e = c.channels().email();
  std::set<std::string> seen;
  for (int i = 0; i < e.inboxes_size(); ++i) {
    const std::string p = "channels.email.inboxes[" + std::to_string(i) + "]";
    const auto& in = e.inboxes(i);
    const auto at = in.address().find('@');
    if (at == std::string::npos || at == 0 || at + 1 == in.address().size() || in.address().find('@', at + 1) != std::string::npos ||
        in.address().find_first_of(" \t<>\"+,;") != std::string::npos || in.address().size() > 254) {
      fail(p + ".address", "must be a plain address (support@example.com, no '+': reply addresses add one)");
    }
    std::string lower = in.address();
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (!seen.insert(lower).second) fail(p + ".address", "'" + in.address() + "' is listed twice");
    if (!in.queue().empty() && std::none_of(c.queues().begin(), c.queues().end(), [&](const v1::Queue& q) { return q.name() == in.queue(); })) {
      fail(p + ".queue", "no queue is named '" + in.queue() + "'");
    }
  }
  if (!e.smtp_listen().empty()) {
    const auto colon = e.smtp_listen().rfind(':');
    int port = -1;
    if (colon != std::string::npos && colon > 0) port = std::atoi(e.smtp_listen().c_str() + colon + 1);
    if (port < 0 || port > 65535 || e.smtp_listen().find_first_not_of("0123456789", colon + 1) != std::string::npos) {
      fail("channels.email.smtp_listen", "must be address:port (0.0.0.0:25, 127.0.0.1:2525)");
    }
    if (e.inboxes_size() == 0) fail("channels.email.inboxes", "must name at least one address when smtp_listen is set");
  }
  if (e.tls_certificate_file().empty() != e.tls_key_file().empty()) {
    fail(e.tls_key_file().empty() ? "channels.email.tls_key_file" : "channels.email.tls_certificate_file",
         "is required with the other: a certificate and its key");
  }
  for (const auto& [file, key] : {std::pair{&e.tls_certificate_file(), "tls_certificate_file"}, std::pair{&e.tls_key_file(), "tls_key_file"}}) {
    if (!file->empty() && !std::ifstream(*file)) fail(std::string("channels.email.") + key, "cannot read '" + *file + "'");
  }
  if (e.tls_required() && e.tls_certificate_file().empty()) fail("channels.email.tls_required", "needs tls_certificate_file and tls_key_file");
  if (e.hostname().empty() || e.hostname().find_first_of(" <>@\t") != std::string::npos) {
    fail("channels.email.hostname", "must be a host name (mail.example.com)");
  }
  check_range(e.max_message_bytes(), 1024, std::int64_t(100) << 20, "channels.email.max_message_bytes");
  check_range(e.max_recipients(), 1, 1000, "channels.email.max_recipients");
  check_range(e.max_connections(), 1, 100'000, "channels.email.max_connections");
  check_range(e.command_timeout_seconds(), 1, 3600, "channels.email.command_timeout_seconds");
  check_range(e.subject_window_hours(), 0, 24 * 365, "channels.email.subject_window_hours");
  const auto& r = e.relay();
  check_one_of(r.tls(), {"starttls", "implicit", "none"}, "channels.email.relay.tls");
  check_range(r.port(), 1, 65535, "channels.email.relay.port");
  if (!r.username().empty() && r.tls() == "none") fail("channels.email.relay.username", "needs tls starttls or implicit: a password never goes in the clear");
  if (!r.username().empty() && r.password().empty()) {
    fail("channels.email.relay.password", "is required with a username (set it in " + secret_env_name("channels.email.relay.password") + ")");
  }
  if (e.deliver_direct() && !r.host().empty()) fail("channels.email.deliver_direct", "and relay.host: one or the other");
  check_range(e.mx_port(), 1, 65535, "channels.email.mx_port");
  if (!e.dns_server().empty()) {
    const auto colon = e.dns_server().rfind(':');
    const std::string ip = e.dns_server().substr(0, colon);
    const bool ok = ip.find_first_not_of("0123456789.") == std::string::npos && std::count(ip.begin(), ip.end(), '.') == 3 &&
                    (colon == std::string::npos ||
                     (colon + 1 < e.dns_server().size() && e.dns_server().find_first_not_of("0123456789", colon + 1) == std::string::npos));
    if (!ok) fail("channels.email.dns_server", "must be an IPv4 address with an optional port (127.0.0.1:53)");
  }
  const auto& k = e.dkim();
  if (!k.domain().empty() || !k.selector().empty() || !k.private_key_file().empty()) {
    if (k.domain().empty()) fail("channels.email.dkim.domain", "is required with a selector or key (the d= of the signature)");
    if (k.selector().empty()) fail("channels.email.dkim.selector", "is required with a domain (the s= of the signature)");
    if (!std::ifstream(k.private_key_file())) fail("channels.email.dkim.private_key_file", "cannot read '" + k.private_key_file() + "'");
  }
  if (e.inboxes_size() > 0 && e.reply_secret().size() < 32) {
    fail("channels.email.reply_secret", "must be at least 32 bytes (set it in " + secret_env_name("channels.email.reply_secret") + ")");
  }
  for (int i = 0; i < e.mailboxes_size(); ++i) validate_mailbox(e, i);
}

}  // namespace

void validate_channels(const v1::Config& c) {
  const auto& ch = c.channels();
  check_range(ch.max_webhook_bytes(), 1024, 16 * 1024 * 1024, "channels.max_webhook_bytes");
  check_range(ch.send_attempts(), 1, 100, "channels.send_attempts");
  check_range(ch.max_retry_delay_ms(), 100, 3'600'000, "channels.max_retry_delay_ms");
  check_range(ch.send_timeout_ms(), 100, 600'000, "channels.send_timeout_ms");
  check_range(ch.claim_idle_ms(), 100, 3'600'000, "channels.claim_idle_ms");
  if (!ch.ca_file().empty() && !std::ifstream(ch.ca_file())) fail("channels.ca_file", "cannot read '" + ch.ca_file() + "'");
  if (!ch.public_url().empty() && ch.public_url().rfind("https://", 0) != 0 && ch.public_url().rfind("http://", 0) != 0) {
    fail("channels.public_url", "must start with https:// (or http://)");
  }
  std::set<std::string> seen;
  for (int i = 0; i < ch.accounts_size(); ++i) {
    const std::string p = "channels.accounts[" + std::to_string(i) + "]";
    const auto& a = ch.accounts(i);
    check_one_of(a.provider(), {"whatsapp", "messenger", "instagram", "telegram", "twilio"}, p + ".provider");
    if (a.id().empty() || a.id().size() > 64 ||
        a.id().find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != std::string::npos) {
      fail(p + ".id", "must be 1-64 letters, digits, '-' or '_'");
    }
    if (!seen.insert(a.provider() + "/" + a.id()).second) fail(p + ".id", "'" + a.id() + "' is used twice for " + a.provider());
    if (!a.queue().empty() && std::none_of(c.queues().begin(), c.queues().end(), [&](const v1::Queue& q) { return q.name() == a.queue(); })) {
      fail(p + ".queue", "no queue is named '" + a.queue() + "'");
    }
    const auto required = [&](const std::string& value, const char* field) {
      if (value.empty()) {
        fail(p + "." + field, "is required for " + a.provider() + " (set it in " +
                                  secret_env_name("channels.accounts." + std::to_string(i) + "." + field) + ")");
      }
    };
    if (!a.api_url().empty() && a.api_url().rfind("https://", 0) != 0 && a.api_url().rfind("http://", 0) != 0) {
      fail(p + ".api_url", "must start with https:// (or http://)");
    }
    if (!(a.sends_per_second() > 0 && a.sends_per_second() <= 100000)) fail(p + ".sends_per_second", "must be above 0 and at most 100000");
    if (a.provider() == "telegram") {
      required(a.secret_token(), "secret_token");
    } else if (a.provider() == "twilio") {
      required(a.auth_token(), "auth_token");
      if (ch.public_url().empty()) fail("channels.public_url", "is required with a twilio account (Twilio signs the URL it posts to)");
    } else {
      required(a.app_secret(), "app_secret");
      required(a.verify_token(), "verify_token");
    }
  }
  validate_templates(ch);
  validate_media(ch.media());
  validate_email(c);
}

}  // namespace switchboard::config_checks
