#include "channels/telegram.hpp"

#include <cstdio>

#include "channels/json_view.hpp"

namespace switchboard::channels {

namespace json = boost::json;
using namespace json_view;

namespace {

std::string person(const json::value& from) {
  std::string name = text(from, "first_name");
  if (const auto last = text(from, "last_name"); !last.empty()) name += (name.empty() ? "" : " ") + last;
  return name.empty() ? text(from, "username") : name;
}

v1::Attachment file(const json::value& x, std::string content_type) {
  v1::Attachment a;
  a.set_url("telegram-file:" + text(x, "file_id"));  // fetched with getFile and the bot's token
  a.set_content_type(text(x, "mime_type").empty() ? std::move(content_type) : text(x, "mime_type"));
  a.set_file_name(text(x, "file_name"));
  a.set_size_bytes(integer(x, "file_size"));
  return a;
}

// The content of a message; false (counted) when it carries none a customer wrote.
bool content(const json::value& m, inbound_message& out, parsed_webhook& p) {
  out.body = has(m, "text") ? text(m, "text") : text(m, "caption");
  if (const auto& photos = array(m, "photo"); !photos.empty()) {
    out.attachments.push_back(file(photos.back(), "image/jpeg"));  // the sizes grow; the last is the largest
  }
  for (const char* kind : {"document", "video", "audio", "voice", "animation", "video_note"}) {
    if (has(m, kind)) out.attachments.push_back(file(at(m, kind), "application/octet-stream"));
  }
  if (has(m, "sticker")) {
    const auto& s = at(m, "sticker");
    out.attachments.push_back(file(s, "image/webp"));
    if (out.body.empty()) out.body = text(s, "emoji");
  }
  if (has(m, "location")) {
    const auto& l = at(m, "location");
    char buf[96];
    std::snprintf(buf, sizeof buf, "Location: (%.6f, %.6f)", real(l, "latitude"), real(l, "longitude"));
    out.body += (out.body.empty() ? "" : "\n") + std::string(buf);
  }
  if (has(m, "contact")) {
    const auto& c = at(m, "contact");
    out.body += (out.body.empty() ? "" : "\n") + ("Contact: " + person(c) + ", " + text(c, "phone_number"));
  }
  if (out.body.empty() && out.attachments.empty()) return ++p.skipped["service message"], false;
  return true;
}

void message(const json::value& m, std::string_view bot, parsed_webhook& p) {
  const auto& chat = at(m, "chat");
  if (text(chat, "type") != "private") return void(++p.skipped["group message"]);
  inbound_message out;
  out.channel = v1::CHANNEL_TELEGRAM;
  out.business_id = std::string(bot);
  out.address = text(at(m, "from"), "id");
  out.display_name = person(at(m, "from"));
  if (out.address.empty() || flag(at(m, "from"), "is_bot")) return void(++p.skipped["without a person"]);
  if (!content(m, out, p)) return;
  // Message ids count per chat: the chat names them.
  out.provider_message_id = text(chat, "id") + ":" + text(m, "message_id");
  if (has(m, "reply_to_message")) out.in_reply_to = text(chat, "id") + ":" + text(at(m, "reply_to_message"), "message_id");
  out.at_ms = seconds_as_ms(m, "date");
  p.messages.push_back(std::move(out));
}

// An inline keyboard's button pressed: its data is what the customer chose.
void callback(const json::value& q, std::string_view bot, parsed_webhook& p) {
  inbound_message out;
  out.channel = v1::CHANNEL_TELEGRAM;
  out.business_id = std::string(bot);
  out.address = text(at(q, "from"), "id");
  out.display_name = person(at(q, "from"));
  out.body = text(q, "data");
  out.provider_message_id = "callback:" + text(q, "id");
  out.at_ms = seconds_as_ms(at(q, "message"), "date");
  if (out.address.empty() || out.body.empty()) return void(++p.skipped["callback without data"]);
  p.messages.push_back(std::move(out));
}

// An edited message (its text as it reads now) or a reaction to one ("message_reaction": the
// reactions now, the first emoji kept; none: taken back), in a private chat: a change of it.
void change(const json::value& v, std::string_view bot, parsed_webhook& p) {
  const bool edit = has(v, "edited_message");
  const auto& m = at(v, edit ? "edited_message" : "message_reaction");
  const auto& chat = at(m, "chat");
  if (text(chat, "type") != "private") return void(++p.skipped["group message"]);
  message_change c;
  c.channel = v1::CHANNEL_TELEGRAM;
  c.business_id = std::string(bot);
  c.address = text(at(m, edit ? "from" : "user"), "id");
  c.provider_message_id = text(chat, "id") + ":" + text(m, "message_id");
  if (edit) {
    c.kind = v1::MessageChange::EDIT;
    c.body = text(m, "text").empty() ? text(m, "caption") : text(m, "text");
    c.at_ms = seconds_as_ms(m, "edit_date");
    c.change_id = "edit:" + c.provider_message_id + ":" + text(m, "edit_date");
  } else {
    c.kind = v1::MessageChange::REACTION;
    for (const auto& r : array(m, "new_reaction")) {
      if (c.emoji.empty()) c.emoji = text(r, "emoji");
    }
    c.at_ms = seconds_as_ms(m, "date");
    c.change_id = "reaction:" + text(v, "update_id");
  }
  if (c.address.empty() || text(m, "message_id").empty()) return void(++p.skipped["change without a sender or id"]);
  p.changes.push_back(std::move(c));
}

}  // namespace

parsed_webhook parse_telegram(std::string_view body, std::string_view bot) {
  parsed_webhook p;
  json::value v;
  if (!parse_json(body, v, p)) return p;
  if (!v.is_object() || !has(v, "update_id")) {
    p.error = "not a Telegram Update: no update_id";
    return p;
  }
  if (has(v, "message")) {
    message(at(v, "message"), bot, p);
  } else if (has(v, "callback_query")) {
    callback(at(v, "callback_query"), bot, p);
  } else if (has(v, "edited_message") || has(v, "message_reaction")) {
    change(v, bot, p);
  } else {
    // channel_post, my_chat_member, inline_query, message_reaction, ...: its only other key.
    std::string kind = "unknown";
    for (const auto& kv : v.get_object()) {
      if (kv.key() != "update_id") kind = std::string(kv.key());
    }
    ++p.skipped[kind];
  }
  return p;
}

}  // namespace switchboard::channels
