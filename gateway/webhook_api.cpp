#include "gateway/webhook_api.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>
#include <boost/url/parse_query.hpp>
#include <spdlog/spdlog.h>

#include "channels/meta.hpp"
#include "channels/signature.hpp"
#include "channels/telegram.hpp"
#include "channels/twilio.hpp"
#include "core/error.hpp"
#include "core/log.hpp"
#include "store/idempotency.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kPrefix = "/v1/webhooks/";

// What Twilio reads in an answer: TwiML with nothing to do (anything else is a warning there).
constexpr std::string_view kEmptyTwiml = R"(<?xml version="1.0" encoding="UTF-8"?><Response></Response>)";

std::string query_value(const std::string& query, std::string_view name) {
  auto params = boost::urls::parse_query(query);
  if (!params) return {};
  for (auto p : *params) {
    if (p.key == name) return std::string(p.value);
  }
  return {};
}

http_answer signature_refusal(channels::signature_check c, std::string_view header) {
  if (c == channels::signature_check::missing) {
    return json_error(401, "unauthenticated", std::string("no ") + std::string(header) + " header");
  }
  return json_error(403, "forbidden", std::string(header) + " does not match this account's secret");
}

// Redis failing: the provider sends it all again later (what was stored is then a duplicate).
http_answer retry_later() {
  http_answer a = json_error(503, "retry", "storage is unavailable; send it again");
  a.headers.emplace_back("Retry-After", "5");
  return a;
}

v1::Channel channel_of(const std::string& provider) {
  if (provider == "whatsapp") return v1::CHANNEL_WHATSAPP;
  if (provider == "messenger") return v1::CHANNEL_MESSENGER;
  if (provider == "instagram") return v1::CHANNEL_INSTAGRAM;
  if (provider == "telegram") return v1::CHANNEL_TELEGRAM;
  return v1::CHANNEL_SMS;
}

}  // namespace

webhook_api::webhook_api(const v1::Config& cfg, const live_config& live, asio::any_io_executor core, store::redis_client& redis,
                         const store::key_layout& keys, store::timeline_repository& timeline,
                         store::identity_repository& identities, store::agent_repository& agents)
    : accounts_(cfg.channels().accounts().begin(), cfg.channels().accounts().end()),
      public_url_(cfg.channels().public_url()),
      max_body_(static_cast<std::size_t>(cfg.channels().max_webhook_bytes())),
      core_(std::move(core)),
      ctx_(timeline, identities, agents, live),
      inbox_(ctx_),
      timeline_(timeline),
      deliveries_(redis, keys),
      redis_(redis),
      keys_(keys) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
}

bool webhook_api::handle(http_request& req, http_responder& respond) {
  if (!req.target.starts_with(kPrefix)) return false;
  const auto q = req.target.find('?');
  const std::string path = req.target.substr(kPrefix.size(), q == std::string::npos ? std::string::npos : q - kPrefix.size());
  const auto slash = path.find('/');
  const std::string provider = path.substr(0, slash);
  const std::string id = slash == std::string::npos ? std::string() : path.substr(slash + 1);
  const v1::ChannelAccount* account = nullptr;
  for (const auto& a : accounts_) {
    if (a.provider() == provider && a.id() == id) account = &a;
  }
  if (!account) {
    respond(json_error(404, "not_found", "no such webhook: /v1/webhooks/{provider}/{account} of channels.accounts"));
    return true;
  }
  if (req.method == "GET") {
    respond(handshake(*account, req));
    return true;
  }
  if (req.method != "POST") {
    respond(json_error(405, "method_not_allowed", "webhooks take POST (and Meta's GET handshake)"));
    return true;
  }
  if (req.body.size() > max_body_) {
    respond(json_error(413, "payload_too_large", "larger than channels.max_webhook_bytes"));
    return true;
  }
  auto p = verify_and_parse(*account, req);
  if (p.refusal) {
    log_warn({.request = req.request_id}, "webhook {}/{} refused: {} {}", provider, id, p.refusal->status, p.refusal->body);
    respond(std::move(*p.refusal));
    return true;
  }
  asio::co_spawn(core_, store(*account, std::move(p.webhook), req.request_id), [respond](std::exception_ptr e, http_answer a) {
    respond(e ? json_error(503, "retry", "unexpected failure; send it again") : std::move(a));
  });
  return true;
}

http_answer webhook_api::handshake(const v1::ChannelAccount& account, const http_request& req) const {
  const auto q = req.target.find('?');
  const std::string query = q == std::string::npos ? std::string() : req.target.substr(q + 1);
  const bool meta = account.provider() != "telegram" && account.provider() != "twilio";
  if (!meta) return json_error(405, "method_not_allowed", "this provider's webhook takes POST only");
  if (query_value(query, "hub.mode") != "subscribe" ||
      channels::check_telegram_secret(account.verify_token(), query_value(query, "hub.verify_token")) !=
          channels::signature_check::ok) {
    return json_error(403, "forbidden", "hub.mode must be subscribe and hub.verify_token this account's verify_token");
  }
  http_answer a;
  a.body = query_value(query, "hub.challenge");
  return a;
}

webhook_api::parsed webhook_api::verify_and_parse(const v1::ChannelAccount& account, const http_request& req) const {
  parsed out;
  const std::string& provider = account.provider();
  channels::form_fields fields;  // Twilio signs its form's fields
  channels::signature_check check;
  std::string_view header;
  if (provider == "telegram") {
    check = channels::check_telegram_secret(account.secret_token(), req.telegram_secret);
    header = "X-Telegram-Bot-Api-Secret-Token";
  } else if (provider == "twilio") {
    if (!channels::parse_form(req.body, fields)) {
      out.refusal = json_error(400, "bad_request", "not a form (application/x-www-form-urlencoded)");
      return out;
    }
    check = channels::check_twilio_signature(account.auth_token(), public_url_ + req.target, fields, req.twilio_signature);
    header = "X-Twilio-Signature";
  } else {
    check = channels::check_meta_signature(account.app_secret(), req.body, req.hub_signature);
    header = "X-Hub-Signature-256";
  }
  if (check != channels::signature_check::ok) {
    out.refusal = signature_refusal(check, header);
    return out;
  }
  if (provider == "telegram") {
    out.webhook = channels::parse_telegram(req.body, account.id());
  } else if (provider == "twilio") {
    out.webhook = channels::parse_twilio(fields);
  } else {
    out.webhook = provider == "whatsapp" ? channels::parse_whatsapp(req.body) : channels::parse_messenger(req.body, channel_of(provider));
  }
  if (!out.webhook.error.empty()) out.refusal = json_error(400, "bad_request", out.webhook.error);
  return out;
}

asio::awaitable<http_answer> webhook_api::store(v1::ChannelAccount account, channels::parsed_webhook webhook,
                                                std::string request_id) {
  int stored = 0;
  int duplicates = 0;
  for (auto& m : webhook.messages) {
    if (!account.business_id().empty() && m.business_id != account.business_id()) {
      ++webhook.skipped["for another account"];
      continue;
    }
    v1::Inbound in;
    in.set_channel(m.channel);
    in.set_address(m.address);
    in.set_provider_message_id(m.provider_message_id);
    in.set_sent_at_ms(m.at_ms);
    in.set_topic(account.queue());
    in.set_account(account.provider() + "/" + account.id());
    if (!m.display_name.empty()) in.mutable_customer()->set_display_name(m.display_name.substr(0, 100));
    auto* content = in.mutable_message();
    content->set_body(m.body);
    content->set_in_reply_to(m.in_reply_to);
    for (const auto& a : m.attachments) *content->add_attachments() = a;
    const auto out = co_await inbox_.ingest("webhook", std::move(in));
    if (out.failed()) {
      const auto& code = out.answer.error().code();
      if (code == "retry") {
        count(account.provider(), webhook.skipped, stored);
        co_return retry_later();
      }
      log_warn({.request = request_id}, "webhook {}/{}: message {} refused: {} {}", account.provider(), account.id(),
               m.provider_message_id, code, out.answer.error().message());
      ++webhook.skipped["refused: " + code];
      continue;
    }
    ++(out.answer.ack().duplicate() ? duplicates : stored);
    log_with(spdlog::level::debug, {.request = request_id, .conversation = out.conversation_id}, "webhook {}/{}: message {} {}",
             account.provider(), account.id(), m.provider_message_id, out.answer.ack().duplicate() ? "a duplicate" : "stored");
    if (!co_await fetch_media(account, m, out)) {
      count(account.provider(), webhook.skipped, stored);
      co_return retry_later();
    }
  }
  bool ok = true;
  for (std::size_t i = 0; ok && i < webhook.statuses.size(); ++i) ok = co_await status(webhook.statuses[i], webhook.skipped);
  for (std::size_t i = 0; ok && i < webhook.changes.size(); ++i) {
    const auto& c = webhook.changes[i];
    if (!account.business_id().empty() && c.business_id != account.business_id()) {
      ++webhook.skipped["for another account"];
      continue;
    }
    ok = co_await change(c, webhook.skipped);
  }
  for (std::size_t i = 0; ok && i < webhook.reads.size(); ++i) ok = co_await read_up_to(webhook.reads[i], webhook.skipped);
  if (!ok) {
    count(account.provider(), webhook.skipped, stored);
    co_return retry_later();
  }
  count(account.provider(), webhook.skipped, stored);
  if (account.provider() == "twilio") {
    http_answer a;
    a.content_type = "text/xml";
    a.body = kEmptyTwiml;
    co_return a;
  }
  json::object skipped;
  for (const auto& [kind, n] : webhook.skipped) skipped[kind] = n;
  http_answer a;
  a.content_type = "application/json";
  a.body = json::serialize(json::object{{"stored", stored}, {"duplicates", duplicates}, {"skipped", std::move(skipped)}});
  co_return a;
}

asio::awaitable<bool> webhook_api::status(const channels::status_update& s, std::map<std::string, int>& skipped) {
  auto sent = co_await deliveries_.find(s.channel, s.provider_message_id);
  if (!sent) co_return false;
  if (!*sent) {
    ++skipped["status of a message not sent here"];
    co_return true;
  }
  v1::Delivery d;
  if (s.state == "delivered") {
    d.set_state(v1::Delivery::DELIVERED);
  } else if (s.state == "read") {
    d.set_state(v1::Delivery::READ);
  } else {
    d.set_state(v1::Delivery::FAILED);
  }
  d.set_channel(s.channel);
  d.set_provider_message_id(s.provider_message_id);
  d.set_reason(s.reason);
  auto r = co_await timeline_.append(store::delivery_append(**sent, std::move(d), "provider", s.provider_message_id));
  if (!r && r.error() == errc::wrong_state) {
    ++skipped["status not forward"];  // read already, or failed: it never goes back
    co_return true;
  }
  if (!r && is_retryable(r.error())) co_return false;
  if (!r) ++skipped["status refused"];
  if (r && r->duplicate) ++skipped["status already recorded"];  // the provider sent it again
  co_return true;
}

asio::awaitable<bool> webhook_api::change(const channels::message_change& c, std::map<std::string, int>& skipped) {
  auto who = co_await ctx_.identities.find(c.channel, c.address);  // never makes a customer
  if (!who) co_return false;
  if (!*who) {
    ++skipped["change from an unknown sender"];
    co_return true;
  }
  auto target = co_await deliveries_.find_received(**who, c.channel, c.provider_message_id);
  if (!target) co_return false;
  if (!*target) {  // not theirs: one of our replies?
    target = co_await deliveries_.find(c.channel, c.provider_message_id);
    if (!target) co_return false;
  }
  if (!*target) {
    ++skipped["change of a message not stored here"];
    co_return true;
  }
  store::append_request req;
  req.customer_id = (*target)->customer_id;
  req.conversation_id = (*target)->conversation_id;
  req.mode = store::append_request::target::existing;
  req.idempotency_key = store::idempotency::provider_message(store::channel_name(c.channel), "change:" + c.change_id);
  req.event.set_actor((*target)->customer_id);
  auto* m = req.event.mutable_message_change();
  m->set_kind(c.kind);
  m->set_message_seq((*target)->seq);
  m->set_provider_message_id(c.provider_message_id);
  m->set_emoji(c.emoji);
  m->set_body(c.body);
  m->set_channel(c.channel);
  auto r = co_await timeline_.append(std::move(req));
  if (!r && is_retryable(r.error())) co_return false;
  if (!r) ++skipped["change refused"];
  if (r && r->duplicate) ++skipped["change already recorded"];
  co_return true;
}

asio::awaitable<bool> webhook_api::read_up_to(const channels::read_watermark& w, std::map<std::string, int>& skipped) {
  auto replies = co_await deliveries_.unread_up_to(w.channel, w.address, w.watermark_ms);
  if (!replies) co_return false;
  for (const auto& reply : *replies) {
    v1::Delivery d;
    d.set_state(v1::Delivery::READ);
    d.set_channel(w.channel);
    auto r = co_await timeline_.append(store::delivery_append(reply, std::move(d), "provider", "w" + std::to_string(w.watermark_ms)));
    if (!r && is_retryable(r.error())) co_return false;
    ++skipped[r ? "read (watermark)" : "read not forward"];
  }
  if (!co_await deliveries_.forget_read(w.channel, w.address, w.watermark_ms)) co_return false;
  co_return true;
}

asio::awaitable<bool> webhook_api::fetch_media(const v1::ChannelAccount& account, const channels::inbound_message& m,
                                               const conversation::outcome& stored) {
  for (std::size_t i = 0; i < m.attachments.size(); ++i) {
    store::media_job job;
    job.conversation_id = stored.answer.ack().conversation_id();
    job.customer_id = stored.conversation_customer_id;  // whose conversation the message is in
    if (job.customer_id.empty()) job.customer_id = stored.customer_id;
    job.message_seq = stored.answer.ack().seq();
    job.index = static_cast<int>(i);
    job.url = m.attachments[i].url();
    job.account = account.provider() + "/" + account.id();
    job.content_type = m.attachments[i].content_type();
    job.file_name = m.attachments[i].file_name();
    if (!co_await store::add_media_job(redis_, keys_, std::move(job))) co_return false;
  }
  co_return true;
}

void webhook_api::count(const std::string& provider, const std::map<std::string, int>& kinds, int messages) {
  std::lock_guard lock(counts_mutex_);
  counts_[provider + " message"] += messages;
  for (const auto& [kind, n] : kinds) counts_[provider + " " + kind] += n;
}

std::map<std::string, long> webhook_api::counts() const {
  std::lock_guard lock(counts_mutex_);
  return counts_;
}

}  // namespace switchboard::gateway
