#include "channels/outgoing.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>

#include "channels/json_view.hpp"
#include "channels/signature.hpp"

namespace switchboard::channels {

namespace json = boost::json;
using namespace json_view;

namespace {

// The text sent: the body, then a link per attachment (they are references, never inline).
std::string text_of(const v1::Message& m) {
  std::string out = m.body();
  for (const auto& a : m.attachments()) {
    if (!out.empty()) out += "\n";
    out += a.file_name().empty() ? a.url() : a.file_name() + ": " + a.url();
  }
  return out;
}

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
  const std::string text = text_of(m);
  const std::string base = api_base(a);
  if (text.empty()) {
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
    c.body = json::serialize(json::object{{"messaging_product", "whatsapp"}, {"recipient_type", "individual"}, {"to", to},
                                          {"type", "text"}, {"text", json::object{{"body", text}}}});
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
  } else {
    error = "unknown provider " + a.provider();
  }
  return c;
}

send_answer read_answer(const std::string& provider, int status, const std::string& body, const std::string& retry_after) {
  send_answer out;
  json::value v;
  boost::system::error_code ec;
  v = json::parse(body, ec);
  if (ec) v = nullptr;
  if (status == 0) {
    out.reason = body.empty() ? "no answer" : body;
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
  else out.reason += body.substr(0, 200);
  if (status == 429 || status >= 500 || status == 408) {
    std::int64_t seconds = 0;
    std::from_chars(retry_after.data(), retry_after.data() + retry_after.size(), seconds);
    out.retry_after_ms = seconds * 1000;
    if (provider == "telegram") out.retry_after_ms = std::max(out.retry_after_ms, integer(at(v, "parameters"), "retry_after") * 1000);
    return out;
  }
  out.what = send_answer::verdict::rejected;
  return out;
}

}  // namespace switchboard::channels
