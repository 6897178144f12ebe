#include "channels/meta.hpp"

#include <boost/json/parse.hpp>

#include <cstdio>

#include "channels/json_view.hpp"

namespace switchboard::channels {

namespace json = boost::json;
using namespace json_view;

namespace {

}  // namespace

bool parse_json(std::string_view body, json::value& out, parsed_webhook& p) {
  // A byte order mark is allowed to be ignored (RFC 8259 §8.1); some senders write one.
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  boost::system::error_code ec;
  out = json::parse(body, ec);
  if (ec) p.error = "not JSON: " + ec.message();
  return !ec;
}

namespace {

// WhatsApp's "from" is the number without '+'; the identity is E.164.
std::string e164(const std::string& digits) {
  if (digits.empty() || digits.size() > 15) return {};
  for (char c : digits) {
    if (c < '0' || c > '9') return {};
  }
  return "+" + digits;
}

std::string coordinates(double lat, double lng) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6f, %.6f", lat, lng);
  return buf;
}

v1::Attachment media(std::string url, std::string content_type, std::string file_name = {}) {
  v1::Attachment a;
  a.set_url(std::move(url));
  a.set_content_type(std::move(content_type));
  a.set_file_name(std::move(file_name));
  return a;
}

// A reaction to a message ({"reaction": {"message_id", "emoji"}}, emoji empty when taken back) or
// its deletion ({"revoke": {"original_message_id"}}): a change of that message, never a new one.
void whatsapp_message_change(const json::value& m, const std::string& type, const inbound_message& from, parsed_webhook& p) {
  message_change c;
  c.channel = v1::CHANNEL_WHATSAPP;
  c.business_id = from.business_id;
  c.address = from.address;
  c.change_id = text(m, "id");
  c.at_ms = seconds_as_ms(m, "timestamp");
  if (type == "reaction") {
    c.kind = v1::MessageChange::REACTION;
    c.provider_message_id = text(at(m, "reaction"), "message_id");
    c.emoji = text(at(m, "reaction"), "emoji");
  } else {
    c.kind = v1::MessageChange::DELETION;
    c.provider_message_id = text(at(m, "revoke"), "original_message_id");
  }
  if (c.address.empty() || c.change_id.empty() || c.provider_message_id.empty()) {
    ++p.skipped["change without a sender or id"];
    return;
  }
  p.changes.push_back(std::move(c));
}

// One of WhatsApp's messages[]: false when it is not a customer's message (counted in skipped).
bool whatsapp_message(const json::value& m, inbound_message& out, parsed_webhook& p) {
  const std::string type = text(m, "type");
  if (type == "text") {
    out.body = text(at(m, "text"), "body");
  } else if (type == "image" || type == "video" || type == "audio" || type == "document" || type == "sticker") {
    const auto& x = at(m, type);
    // The URL some payloads carry, or the media's id (fetched with the account's token); with
    // neither there is nothing to attach.
    std::string url = text(x, "url");
    if (url.empty() && !text(x, "id").empty()) url = "whatsapp-media:" + text(x, "id");
    if (!url.empty()) out.attachments.push_back(media(url, text(x, "mime_type"), text(x, "filename")));
    out.body = text(x, "caption");
  } else if (type == "location") {
    const auto& x = at(m, "location");
    const std::string place = text(x, "name");
    const std::string address = text(x, "address");
    out.body = "Location: " + (place.empty() ? std::string() : place + ", ") + (address.empty() ? std::string() : address + " ") +
               "(" + coordinates(real(x, "latitude"), real(x, "longitude")) + ")";
  } else if (type == "contacts") {
    for (const auto& c : array(m, "contacts")) {
      out.body += (out.body.empty() ? "Contact: " : "\nContact: ") + text(at(c, "name"), "formatted_name");
      for (const auto& ph : array(c, "phones")) out.body += ", " + text(ph, "phone");
      for (const auto& em : array(c, "emails")) out.body += ", " + text(em, "email");
    }
  } else if (type == "interactive") {
    const auto& x = at(m, "interactive");
    const auto& reply = at(x, text(x, "type"));  // button_reply or list_reply: {id, title}
    out.body = text(reply, "title");
    if (out.body.empty()) return ++p.skipped["interactive without a reply"], false;
  } else if (type == "button") {
    out.body = text(at(m, "button"), "text");
  } else if (type == "order") {
    const auto& x = at(m, "order");
    out.body = "Order:";
    for (const auto& item : array(x, "product_items")) {
      out.body += " " + std::to_string(integer(item, "quantity")) + " × " + text(item, "product_retailer_id") + ";";
    }
    if (const auto note = text(x, "text"); !note.empty()) out.body += " " + note;
  } else if (type == "reaction" || type == "revoke") {
    whatsapp_message_change(m, type, out, p);
    return false;
  } else if (type == "system") {
    return ++p.skipped["system"], false;
  } else {
    return ++p.skipped["unsupported"], false;
  }
  if (out.body.empty() && out.attachments.empty()) return ++p.skipped["empty"], false;
  out.provider_message_id = text(m, "id");
  out.in_reply_to = text(at(m, "context"), "id");
  out.at_ms = seconds_as_ms(m, "timestamp");
  return true;
}

void whatsapp_change(const json::value& value, parsed_webhook& p) {
  const std::string business = text(at(value, "metadata"), "phone_number_id");
  for (const auto& s : array(value, "statuses")) {
    std::string state = text(s, "status");
    if (state == "played") state = "read";  // a voice message listened to
    if (state != "delivered" && state != "read" && state != "failed") {
      ++p.skipped["status " + state];  // "sent": the send API said so already
      continue;
    }
    status_update u{v1::CHANNEL_WHATSAPP, text(s, "id"), state, {}};
    for (const auto& e : array(s, "errors")) u.reason += (u.reason.empty() ? "" : "; ") + text(e, "code") + " " + text(e, "title");
    p.statuses.push_back(std::move(u));
  }
  for (const auto& m : array(value, "messages")) {
    inbound_message out;
    out.channel = v1::CHANNEL_WHATSAPP;
    out.business_id = business;
    out.address = e164(text(m, "from"));
    if (!whatsapp_message(m, out, p)) continue;
    if (out.address.empty() || out.provider_message_id.empty()) {
      ++p.skipped["without a sender or id"];
      continue;
    }
    for (const auto& c : array(value, "contacts")) {
      if (text(c, "wa_id") == text(m, "from")) out.display_name = text(at(c, "profile"), "name");
    }
    p.messages.push_back(std::move(out));
  }
}

// Messenger's and Instagram's changes of a message — a reaction ({"reaction": {"mid", "action":
// "react"|"unreact", "emoji"}}), an edit ({"message_edit": {"mid", "text", "num_edit"}}), a deletion
// ({"message": {"mid", "is_deleted": true}}) — and read receipts ({"read": {"watermark"}}: every
// message sent before that time). False when `e` is none of these.
bool messenger_change(const json::value& e, v1::Channel channel, const std::string& page, parsed_webhook& p) {
  message_change c;
  c.channel = channel;
  c.business_id = page;
  c.address = text(at(e, "sender"), "id");
  c.at_ms = integer(e, "timestamp");
  if (has(e, "read")) {
    const std::int64_t watermark = integer(at(e, "read"), "watermark");
    if (c.address.empty() || watermark <= 0) ++p.skipped["read without a sender or watermark"];
    else p.reads.push_back({channel, page, c.address, watermark});
    return true;
  }
  if (has(e, "reaction")) {
    const auto& r = at(e, "reaction");
    c.kind = v1::MessageChange::REACTION;
    c.provider_message_id = text(r, "mid");
    if (text(r, "action") != "unreact") c.emoji = text(r, "emoji").empty() ? text(r, "reaction") : text(r, "emoji");
    c.change_id = "reaction:" + c.provider_message_id + ":" + std::to_string(c.at_ms) + ":" + text(r, "action");
  } else if (has(e, "message_edit")) {
    const auto& m = at(e, "message_edit");
    c.kind = v1::MessageChange::EDIT;
    c.provider_message_id = text(m, "mid");
    c.body = text(m, "text");
    c.change_id = "edit:" + c.provider_message_id + ":" + std::to_string(integer(m, "num_edit"));
  } else if (flag(at(e, "message"), "is_deleted")) {
    c.kind = v1::MessageChange::DELETION;
    c.provider_message_id = text(at(e, "message"), "mid");
    c.change_id = "deletion:" + c.provider_message_id;
  } else {
    return false;
  }
  if (c.address.empty() || c.provider_message_id.empty()) ++p.skipped["change without a sender or id"];
  else p.changes.push_back(std::move(c));
  return true;
}

// One of Messenger's messaging[] events sent by a person to the page.
void messenger_event(const json::value& e, v1::Channel channel, const std::string& page, parsed_webhook& p) {
  inbound_message out;
  out.channel = channel;
  out.business_id = page;
  out.address = text(at(e, "sender"), "id");
  out.at_ms = integer(e, "timestamp");
  if (flag(at(e, "message"), "is_echo")) return void(++p.skipped["echo"]);
  if (messenger_change(e, channel, page, p)) return;
  if (has(e, "message")) {
    const auto& m = at(e, "message");
    out.provider_message_id = text(m, "mid");
    out.body = text(m, "text");
    out.in_reply_to = text(at(m, "reply_to"), "mid");
    for (const auto& a : array(m, "attachments")) {
      const std::string type = text(a, "type");
      const auto& payload = at(a, "payload");
      if (type == "location") {
        const auto& c = at(payload, "coordinates");
        out.body += (out.body.empty() ? "" : "\n") + std::string("Location: ") + text(a, "title") + " (" +
                    coordinates(real(c, "lat"), real(c, "long")) + ")";
      } else if (type == "template" || type == "fallback") {
        const std::string title = text(a, "title").empty() ? text(payload, "title") : text(a, "title");
        const std::string url = text(a, "url").empty() ? text(payload, "url") : text(a, "url");
        out.body += (out.body.empty() ? "" : "\n") + title + (url.empty() ? std::string() : " " + url);
      } else if (!text(payload, "url").empty()) {
        const std::string mime = type == "file" ? "application/octet-stream" : type + "/*";
        out.attachments.push_back(media(text(payload, "url"), mime));
      }
    }
  } else if (has(e, "postback")) {
    const auto& pb = at(e, "postback");
    out.body = text(pb, "title").empty() ? text(pb, "payload") : text(pb, "title");
    // Older postbacks have no mid: the sender and instant name it, so a re-delivery is one.
    out.provider_message_id = text(pb, "mid").empty() ? "postback:" + out.address + ":" + std::to_string(out.at_ms) : text(pb, "mid");
  } else if (has(e, "delivery") && !array(at(e, "delivery"), "mids").empty()) {
    for (const auto& mid : array(at(e, "delivery"), "mids")) {
      if (mid.is_string()) p.statuses.push_back({channel, std::string(mid.get_string()), "delivered", {}});
    }
    return;
  } else {
    for (const char* kind : {"delivery", "optin", "referral", "account_linking", "pass_thread_control", "take_thread_control",
                             "request_thread_control", "policy_enforcement"}) {
      if (has(e, kind)) {
        const std::string k = kind;
        ++p.skipped[k.find("thread_control") != std::string::npos ? "handover" : k];
        return;
      }
    }
    return void(++p.skipped["unknown"]);
  }
  if (out.address.empty() || out.provider_message_id.empty()) return void(++p.skipped["without a sender or id"]);
  if (out.body.empty() && out.attachments.empty()) return void(++p.skipped["empty"]);
  p.messages.push_back(std::move(out));
}

}  // namespace

parsed_webhook parse_whatsapp(std::string_view body) {
  parsed_webhook p;
  json::value v;
  if (!parse_json(body, v, p)) return p;
  if (text(v, "object") != "whatsapp_business_account") {
    p.error = R"(not a WhatsApp webhook: "object" is not "whatsapp_business_account")";
    return p;
  }
  for (const auto& entry : array(v, "entry")) {
    for (const auto& change : array(entry, "changes")) {
      if (text(change, "field") != "messages") {
        ++p.skipped["field " + text(change, "field")];
        continue;
      }
      whatsapp_change(at(change, "value"), p);
    }
  }
  return p;
}

parsed_webhook parse_messenger(std::string_view body, v1::Channel channel) {
  parsed_webhook p;
  json::value v;
  if (!parse_json(body, v, p)) return p;
  const char* object = channel == v1::CHANNEL_INSTAGRAM ? "instagram" : "page";
  if (text(v, "object") != object) {
    p.error = std::string("not a ") + (channel == v1::CHANNEL_INSTAGRAM ? "Instagram" : "Messenger") +
              " webhook: \"object\" is not \"" + object + "\"";
    return p;
  }
  for (const auto& entry : array(v, "entry")) {
    const std::string page = text(entry, "id");
    for (const auto& e : array(entry, "messaging")) messenger_event(e, channel, page, p);
    // Events of a conversation another app holds (the handover protocol): not ours to answer.
    p.skipped["standby"] += static_cast<int>(array(entry, "standby").size());
  }
  if (p.skipped["standby"] == 0) p.skipped.erase("standby");
  return p;
}

}  // namespace switchboard::channels
