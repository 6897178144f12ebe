#include "channels/twilio.hpp"

#include <string_view>

#include "channels/json_view.hpp"

namespace switchboard::channels {

namespace {

// A form carries bytes (%FF decodes): what the parser hands on is UTF-8.
std::string field(const form_fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return as_utf8(v);
  }
  return {};
}

}  // namespace

parsed_webhook parse_twilio(const form_fields& fields) {
  parsed_webhook p;
  const std::string sid = field(fields, "MessageSid").empty() ? field(fields, "SmsMessageSid") : field(fields, "MessageSid");
  // "whatsapp:" with no number after it is no sender either.
  if (const auto from = field(fields, "From"); sid.empty() || from.empty() || from == "whatsapp:") {
    p.error = "not a Twilio message webhook: no MessageSid or From";
    return p;
  }
  if (const auto status = field(fields, "MessageStatus"); !status.empty()) {
    const bool whatsapp = field(fields, "To").rfind("whatsapp:", 0) == 0;
    status_update u{whatsapp ? v1::CHANNEL_WHATSAPP : v1::CHANNEL_SMS, sid, status, {}};
    if (status == "undelivered" || status == "failed") {
      u.state = "failed";
      u.reason = field(fields, "ErrorCode") + " " + field(fields, "ErrorMessage");
    }
    if (u.state == "delivered" || u.state == "read" || u.state == "failed") {
      p.statuses.push_back(std::move(u));
    } else {
      ++p.skipped["status " + status];  // queued, sending, sent: the send API said so already
    }
    return p;
  }
  inbound_message out;
  out.channel = v1::CHANNEL_SMS;
  out.address = field(fields, "From");
  out.business_id = field(fields, "To");
  if (out.address.rfind("whatsapp:", 0) == 0) {
    out.channel = v1::CHANNEL_WHATSAPP;
    out.address.erase(0, 9);
    if (out.business_id.rfind("whatsapp:", 0) == 0) out.business_id.erase(0, 9);
  }
  out.display_name = field(fields, "ProfileName");
  out.body = field(fields, "Body");
  out.provider_message_id = sid;
  int media = 0;
  try {
    media = std::stoi(field(fields, "NumMedia").empty() ? "0" : field(fields, "NumMedia"));
  } catch (...) {
    p.error = "NumMedia is not a number";
    return p;
  }
  for (int i = 0; i < media && i < 10; ++i) {  // Twilio sends at most 10
    v1::Attachment a;
    a.set_url(field(fields, "MediaUrl" + std::to_string(i)));
    a.set_content_type(field(fields, "MediaContentType" + std::to_string(i)));
    if (!a.url().empty()) out.attachments.push_back(std::move(a));
  }
  if (out.body.empty() && out.attachments.empty()) {
    ++p.skipped["empty"];
    return p;
  }
  p.messages.push_back(std::move(out));
  return p;
}

}  // namespace switchboard::channels
