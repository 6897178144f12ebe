#include "channels/outgoing.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

#include "channels/json_view.hpp"
#include "channels/signature.hpp"

namespace switchboard::channels {

namespace json = boost::json;
using namespace json_view;

namespace {

std::string form_escape(const std::string& s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// A wait the provider asks for, in seconds: never negative, at most a day (so never overflowing).
std::int64_t wait_ms(std::int64_t seconds) { return std::clamp<std::int64_t>(seconds, 0, 86'400) * 1000; }

// Retry-After in seconds (an HTTP date is not read: 0); digits past int64 are the longest wait.
std::int64_t retry_after_seconds(const std::string& header) {
  std::int64_t seconds = 0;
  const auto r = std::from_chars(header.data(), header.data() + header.size(), seconds);
  return r.ec == std::errc::result_out_of_range && !header.starts_with('-') ? std::numeric_limits<std::int64_t>::max() : seconds;
}

// At most 200 bytes of a body for the reason, never cutting a character in two, as UTF-8.
std::string excerpt(const std::string& body) {
  std::size_t n = std::min<std::size_t>(body.size(), 200);
  for (int k = 0; k < 3 && n > 0 && n < body.size() && (static_cast<unsigned char>(body[n]) & 0xC0) == 0x80; ++k) --n;
  return as_utf8(std::string_view(body).substr(0, n));
}

// The Cloud API's template message: its name, language and the body's variables in order.
json::object whatsapp_template(const v1::TemplateMessage& t) {
  json::object out{{"name", t.name()}, {"language", json::object{{"code", t.language()}}}};
  if (t.variables_size() == 0) return out;
  json::array parameters;
  for (const auto& v : t.variables()) parameters.push_back(json::object{{"type", "text"}, {"text", v}});
  out["components"] = json::array{json::object{{"type", "body"}, {"parameters", std::move(parameters)}}};
  return out;
}

}  // namespace

std::string api_base(const v1::ChannelAccount& account) {
  std::string base = account.api_url();
  if (base.empty()) {
    if (account.provider() == "telegram") base = "https://api.telegram.org";
    else if (account.provider() == "twilio") base = "https://api.twilio.com";
    else base = "https://graph.facebook.com/v21.0";
  }
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

outgoing_call send_call(const v1::ChannelAccount& a, v1::Channel channel, const std::string& address,
                        const v1::Message& m, std::string& error) {
  outgoing_call c;
  const std::string& text = m.body();
  const std::string base = api_base(a);
  if (text.empty() && !m.has_template_message() && m.attachments().empty()) {
    error = "nothing to send";
    return c;
  }
  if (a.provider() == "whatsapp") {
    if (a.business_id().empty()) {
      error = "the account has no business_id (the phone number id)";
      return c;
    }
    c.url = base + "/" + a.business_id() + "/messages";
    c.headers.emplace_back("Authorization", "Bearer " + a.access_token());
    c.content_type = "application/json";
    const std::string to = address.starts_with("+") ? address.substr(1) : address;
    json::object body{{"messaging_product", "whatsapp"}, {"recipient_type", "individual"}, {"to", to}};
    if (m.has_template_message()) {
      body["type"] = "template";
      body["template"] = whatsapp_template(m.template_message());
    } else {
      body["type"] = "text";
      body["text"] = json::object{{"body", text}};
    }
    c.body = json::serialize(body);
  } else if (a.provider() == "messenger" || a.provider() == "instagram") {
    c.url = base + "/me/messages";
    c.headers.emplace_back("Authorization", "Bearer " + a.access_token());
    c.content_type = "application/json";
    c.body = json::serialize(json::object{{"recipient", json::object{{"id", address}}}, {"messaging_type", "RESPONSE"},
                                          {"message", json::object{{"text", text}}}});
  } else if (a.provider() == "telegram") {
    c.url = base + "/bot" + a.bot_token() + "/sendMessage";
    c.content_type = "application/json";
    c.body = json::serialize(json::object{{"chat_id", address}, {"text", text}});
  } else if (a.provider() == "twilio") {
    if (a.business_id().empty()) {
      error = "the account has no business_id (the number to send from)";
      return c;
    }
    c.url = base + "/2010-04-01/Accounts/" + a.account_sid() + "/Messages.json";
    c.headers.emplace_back("Authorization", "Basic " + base64(a.account_sid() + ":" + a.auth_token()));
    c.content_type = "application/x-www-form-urlencoded";
    const std::string prefix = channel == v1::CHANNEL_WHATSAPP ? "whatsapp:" : "";
    c.body = "To=" + form_escape(prefix + address) + "&From=" + form_escape(prefix + a.business_id()) + "&Body=" + form_escape(text);
    for (const auto& media : m.attachments()) c.body += "&MediaUrl=" + form_escape(media.url());  // absolute (send_calls)
  } else {
    error = "unknown provider " + a.provider();
  }
  return c;
}

namespace {

// What each provider calls a kind of medium (anything else goes as a document / file).
std::string whatsapp_kind(const std::string& type) {
  if (type == "image/jpeg" || type == "image/png") return "image";
  if (type == "video/mp4" || type == "video/3gpp") return "video";
  if (type == "audio/aac" || type == "audio/amr" || type == "audio/mpeg" || type == "audio/mp4" || type == "audio/ogg") return "audio";
  return "document";
}

std::string messenger_kind(const std::string& type) {
  if (type.starts_with("image/")) return "image";
  if (type.starts_with("video/")) return "video";
  if (type.starts_with("audio/")) return "audio";
  return "file";
}

// Telegram's method and its field for the file.
std::pair<std::string, std::string> telegram_kind(const std::string& type) {
  if (type == "image/jpeg" || type == "image/png" || type == "image/webp") return {"sendPhoto", "photo"};
  if (type == "image/gif") return {"sendAnimation", "animation"};
  if (type == "video/mp4") return {"sendVideo", "video"};
  if (type == "audio/mpeg" || type == "audio/mp4") return {"sendAudio", "audio"};
  if (type == "audio/ogg") return {"sendVoice", "voice"};
  return {"sendDocument", "document"};
}

// One attachment as its own message (WhatsApp, Messenger, Instagram, Telegram), the text as the
// caption of the first where the provider has one.
outgoing_call media_call(const v1::ChannelAccount& a, const std::string& address, const v1::Attachment& media,
                         const std::string& caption, const outgoing_call& text_call) {
  outgoing_call c = text_call;  // the same URL, headers and type
  const std::string& type = media.content_type();
  if (a.provider() == "whatsapp") {
    auto body = json::parse(text_call.body).as_object();
    body.erase("text");
    const std::string kind = whatsapp_kind(type);
    json::object payload{{"link", media.url()}};
    if (!caption.empty()) payload["caption"] = caption;
    if (kind == "document" && !media.file_name().empty()) payload["filename"] = media.file_name();
    body["type"] = kind;
    body[kind] = std::move(payload);
    c.body = json::serialize(body);
  } else if (a.provider() == "telegram") {
    const auto [method, field] = telegram_kind(type);
    c.url = text_call.url.substr(0, text_call.url.rfind('/') + 1) + method;
    json::object body{{"chat_id", address}, {field, media.url()}};
    if (!caption.empty()) body["caption"] = caption;
    c.body = json::serialize(body);
  } else {
    json::object attachment{{"type", messenger_kind(type)}, {"payload", json::object{{"url", media.url()}, {"is_reusable", false}}}};
    c.body = json::serialize(json::object{{"recipient", json::object{{"id", address}}}, {"messaging_type", "RESPONSE"},
                                          {"message", json::object{{"attachment", std::move(attachment)}}}});
  }
  return c;
}

}  // namespace

std::vector<outgoing_call> send_calls(const v1::ChannelAccount& a, v1::Channel channel, const std::string& address,
                                      const v1::Message& m, const std::string& public_url, std::string& error) {
  std::vector<outgoing_call> calls;
  if (m.attachments().empty()) {
    auto c = send_call(a, channel, address, m, error);
    if (!c.url.empty()) calls.push_back(std::move(c));
    return calls;
  }
  if (m.has_template_message()) {
    error = "a template message carries no attachments";
    return calls;
  }
  if (public_url.empty()) {
    error = "channels.public_url is required to send attachments (the provider fetches them from there)";
    return calls;
  }
  v1::Message absolute = m;  // the providers fetch each file from this server
  for (auto& media : *absolute.mutable_attachments()) {
    if (media.url().starts_with("/")) media.set_url(public_url + media.url());
  }
  v1::Message text_only = absolute;
  text_only.clear_attachments();
  text_only.set_body(absolute.body().empty() ? std::string(" ") : absolute.body());  // the call's shape; its text may go unused
  const outgoing_call text_call = send_call(a, channel, address, text_only, error);
  if (text_call.url.empty()) return calls;
  if (a.provider() == "twilio") {  // one message: the body and up to 10 media
    calls.push_back(send_call(a, channel, address, absolute, error));
    return calls;
  }
  // The text as a caption where it fits (WhatsApp's image, video, document; Telegram's up to 1,024
  // characters); otherwise as a message of its own first (always on Messenger and Instagram).
  const std::string& first_type = absolute.attachments(0).content_type();
  const bool captioned = (a.provider() == "whatsapp" && whatsapp_kind(first_type) != "audio") ||
                         (a.provider() == "telegram" && absolute.body().size() <= 1024);
  if (!absolute.body().empty() && !captioned) calls.push_back(send_call(a, channel, address, absolute, error));
  for (int i = 0; i < absolute.attachments_size(); ++i) {
    const std::string caption = i == 0 && captioned ? absolute.body() : std::string();
    calls.push_back(media_call(a, address, absolute.attachments(i), caption, text_call));
  }
  return calls;
}

send_answer read_answer(const std::string& provider, int status, const std::string& body, const std::string& retry_after) {
  send_answer out;
  json::value v;
  boost::system::error_code ec;
  v = json::parse(body, ec);
  if (ec) v = nullptr;
  if (status == 0) {
    out.reason = body.empty() ? "no answer" : as_utf8(body);
    return out;
  }
  if (status >= 200 && status < 300) {
    if (provider == "whatsapp") {
      const auto& msgs = array(v, "messages");
      out.provider_message_id = msgs.empty() ? std::string() : text(msgs[0], "id");
    } else if (provider == "telegram") {
      const auto& r = at(v, "result");
      out.provider_message_id = text(at(r, "chat"), "id") + ":" + text(r, "message_id");
    } else if (provider == "twilio") {
      out.provider_message_id = text(v, "sid");
    } else {
      out.provider_message_id = text(v, "message_id");
    }
    out.what = send_answer::verdict::sent;
    return out;
  }
  // The provider's own words: Meta's error.message, Telegram's description, Twilio's message.
  out.reason = std::to_string(status) + " ";
  if (const auto& e = at(v, "error"); e.is_object()) out.reason += text(e, "message");
  else if (has(v, "description")) out.reason += text(v, "description");
  else if (has(v, "message")) out.reason += text(v, "message");
  else out.reason += excerpt(body);
  if (status == 429 || status >= 500 || status == 408) {
    out.retry_after_ms = wait_ms(retry_after_seconds(retry_after));
    if (provider == "telegram") out.retry_after_ms = std::max(out.retry_after_ms, wait_ms(integer(at(v, "parameters"), "retry_after")));
    return out;
  }
  out.what = send_answer::verdict::rejected;
  return out;
}

}  // namespace switchboard::channels
