#include "gateway/mail_receiver.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "channels/email/ascii.hpp"
#include "channels/email/reply_address.hpp"
#include "channels/email/threading.hpp"
#include "core/log.hpp"
#include "core/utf8.hpp"
#include "media/blob_url.hpp"
#include "store/deliveries.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace email = channels::email;

namespace {

// What one message event keeps of a mail; more is cut, and the whole mail kept as original.eml.
constexpr std::size_t kMaxBody = 64 * 1024;
constexpr std::size_t kMaxQuoted = 64 * 1024;
constexpr std::size_t kMaxHtml = 256 * 1024;
constexpr std::size_t kPreviewName = 100;

// `s` at most `n` bytes, cut between UTF-8 characters.
std::string cut(std::string s, std::size_t n, bool& was_cut) {
  if (cut_utf8(s, n)) was_cut = true;
  return s;
}

// The customer's address: From, else Reply-To, else Sender, else the envelope's.
std::string sender_of(const email::parsed_mail& p, const std::string& mail_from) {
  for (const auto* a : {&p.from, &p.reply_to, &p.sender}) {
    if (a->address.find('@') != std::string::npos) return email::ascii_lower(a->address);
  }
  return mail_from.find('@') != std::string::npos ? email::ascii_lower(mail_from) : std::string();
}

// A mail without a Message-ID: one made from its bytes, so the same mail again is a duplicate.
std::string id_of(const email::parsed_mail& p, const std::string& data) {
  if (!p.message_id.empty()) return p.message_id;
  return "sha256." + media::sha256_hex(data) + "@switchboard.invalid";
}

// The body an agent reads first: what the customer wrote now (the whole text when that is all
// quoted, as in a forward), else the subject.
std::string body_of(const email::parsed_mail& p) {
  if (!p.new_text.empty()) return p.new_text;
  if (!p.text.empty()) return p.text;
  if (!p.subject.empty()) return p.subject;
  return "(an empty mail)";
}

std::string quoted_of(const email::parsed_mail& p) {
  if (!p.new_text.empty() && p.quoted.empty() && p.signature.empty()) return {};
  // The signature keeps its own "-- " line.
  if (p.new_text.empty()) return p.signature;
  std::string q = p.quoted;
  if (!p.signature.empty()) q = p.signature + (q.empty() ? "" : "\n\n") + q;
  return q;
}

mail_receipt receipt(mail_receipt::verdict v, std::string text) { return mail_receipt{v, std::move(text)}; }

}  // namespace

mail_receiver::mail_receiver(const v1::Config& cfg, const live_config& live, asio::any_io_executor core, store::redis_client& redis,
                             const store::key_layout& keys, store::timeline_repository& timeline,
                             store::identity_repository& identities, store::agent_repository& agents, media::blob_store& blobs)
    : inboxes_(cfg.channels().email().inboxes().begin(), cfg.channels().email().inboxes().end()),
      secret_(cfg.channels().email().reply_secret()),
      hostname_(cfg.channels().email().hostname()),
      subject_window_ms_(std::int64_t{cfg.channels().email().subject_window_hours()} * 3'600'000),
      blob_secret_(cfg.channels().media().url_secret()),
      max_attachment_bytes_(cfg.channels().media().max_bytes()),
      allowed_types_(media::allowed_types(cfg.channels().media())),
      core_(std::move(core)),
      ctx_(timeline, identities, agents, live),
      inbox_(ctx_),
      timeline_(timeline),
      threads_(redis, keys),
      blobs_(blobs) {
  limits_.max_bytes = static_cast<std::size_t>(cfg.channels().email().max_message_bytes());
  limits_.max_attachment_bytes = static_cast<std::size_t>(max_attachment_bytes_);
}

const v1::EmailInbox* mail_receiver::inbox_of(std::string_view address) const {
  for (const auto& i : inboxes_) {
    if (email::ascii_iequals(address, i.address()) || email::conversation_of(address, i.address(), secret_)) return &i;
  }
  return nullptr;
}

bool mail_receiver::accepts(std::string_view address) const { return inbox_of(address) != nullptr; }

std::map<std::string, long> mail_receiver::counts() const {
  std::lock_guard lock(counts_mutex_);
  return counts_;
}

mail_receipt mail_receiver::counted(mail_receipt r, const std::string& kind) {
  std::lock_guard lock(counts_mutex_);
  ++counts_[kind];
  return r;
}

asio::awaitable<mail_receipt> mail_receiver::receive(received_mail mail) {
  // Parsed here, on the connection's strand: a large mail does not hold the core strand up.
  auto parsed = email::parse_mail(mail.data, limits_);
  if (!parsed) co_return counted(receipt(mail_receipt::verdict::refused, "not a mail message we can read"), "unreadable");
  if (mail.recipients.empty()) {  // from a mailbox: the headers say whom it was for
    for (const auto* list : {&parsed->to, &parsed->cc}) {
      for (const auto& a : *list) {
        if (accepts(a.address)) mail.recipients.push_back(a.address);
      }
    }
    if (mail.recipients.empty() && !mail.inbox.empty()) mail.recipients.push_back(mail.inbox);
  }
  co_return co_await asio::co_spawn(core_, store(std::move(mail), std::move(*parsed)), asio::use_awaitable);
}

asio::awaitable<mail_receipt> mail_receiver::store(received_mail mail, email::parsed_mail parsed) {
  using verdict = mail_receipt::verdict;
  if (!parsed.message_id.empty() && email::read_our_message_id(parsed.message_id, secret_)) {
    co_return counted(receipt(verdict::dropped, "our own mail"), "our own mail");
  }
  if (parsed.bounce) co_return co_await bounce(parsed);
  if (parsed.automatic) co_return counted(receipt(verdict::dropped, "automatic mail: " + parsed.automatic_reason), "automatic");
  const v1::EmailInbox* inbox = nullptr;
  for (const auto& r : mail.recipients) {
    if (!inbox) inbox = inbox_of(r);
  }
  if (!inbox) co_return counted(receipt(verdict::refused, "not for one of our inboxes"), "not ours");
  const std::string sender = sender_of(parsed, mail.mail_from);
  if (sender.empty() || sender.size() > 254) co_return counted(receipt(verdict::refused, "no sender address"), "no sender");
  auto customer = co_await inbox_.customer_of(v1::CHANNEL_EMAIL, sender);
  if (!customer) co_return receipt(verdict::retry, "storage is unavailable");
  auto thread = co_await thread_of(*customer, mail.recipients, parsed);
  if (!thread) co_return receipt(verdict::retry, "storage is unavailable");

  bool was_cut = false;
  v1::Inbound in;
  in.set_channel(v1::CHANNEL_EMAIL);
  in.set_address(sender);
  in.set_provider_message_id(id_of(parsed, mail.data));
  in.set_conversation_id(thread->conversation_id);
  in.set_new_conversation(thread->conversation_id.empty());
  in.set_topic(inbox->queue());
  in.set_account("email/" + email::ascii_lower(inbox->address()));
  in.set_sent_at_ms(parsed.date_ms);
  // Their address is shown with their name (for email it is the identity itself).
  in.mutable_customer()->set_email(sender);
  if (!parsed.from.name.empty()) in.mutable_customer()->set_display_name(cut(parsed.from.name, kPreviewName, was_cut));
  was_cut = false;
  auto* content = in.mutable_message();
  content->set_subject(cut(parsed.subject, 998, was_cut));
  content->set_in_reply_to(parsed.in_reply_to);
  content->set_body(cut(body_of(parsed), kMaxBody, was_cut));
  content->set_quoted_text(cut(quoted_of(parsed), kMaxQuoted, was_cut));
  content->set_html_body(cut(parsed.html, kMaxHtml, was_cut));
  std::vector<std::string> left_out;
  auto files = co_await keep_attachments(mail, parsed, was_cut, left_out);
  if (!files) co_return receipt(verdict::retry, "the attachments could not be kept");
  for (auto& f : *files) *content->add_attachments() = std::move(f);
  for (const auto& l : left_out) content->set_body(content->body() + "\n[" + l + "]");

  const auto out = co_await inbox_.ingest("mail", std::move(in), *customer);
  if (out.failed()) {
    if (out.answer.error().code() == "retry") co_return receipt(verdict::retry, "storage is unavailable");
    spdlog::warn("mail from {} refused: {} {}", sender, out.answer.error().code(), out.answer.error().message());
    co_return counted(receipt(verdict::refused, out.answer.error().message()), "refused");
  }
  const std::string key = email::subject_key(parsed.subject);
  const auto now = timeline_.time().unix_ms();
  if (!co_await threads_.remember(*customer, out.conversation_id, parsed.message_id, key, now)) {
    co_return receipt(verdict::retry, "storage is unavailable");  // stored; the retry is a duplicate that writes this
  }
  log_info({.conversation = out.conversation_id}, "mail from {} stored thread={} duplicate={}", sender, thread->how,
           out.answer.ack().duplicate());
  co_return counted(receipt(verdict::stored, out.conversation_id), "stored");
}

asio::awaitable<result<bool>> mail_receiver::theirs(const std::string& conversation_id, const std::string& customer) {
  auto conv = co_await timeline_.conversation(conversation_id);
  if (!conv && conv.error() == errc::not_found) co_return false;
  if (!conv) co_return result<bool>(boost::system::in_place_error, conv.error());  // not a bool: result<bool> reads it as one
  co_return conv->customer_id() == customer;
}

asio::awaitable<result<mail_receiver::thread_choice>> mail_receiver::thread_of(const std::string& customer,
                                                                               const std::vector<std::string>& recipients,
                                                                               const email::parsed_mail& parsed) {
  for (const auto& r : recipients) {  // the reply address
    for (const auto& i : inboxes_) {
      auto c = email::conversation_of(r, i.address(), secret_);
      if (!c) continue;
      auto mine = co_await theirs(*c, customer);
      if (!mine) co_return mine.error();
      if (*mine) co_return thread_choice{*c, "reply address"};
    }
  }
  const auto kind = email::kind_of_subject(parsed.subject);
  if (kind == email::subject_kind::forward) co_return thread_choice{std::string(), "forward"};
  std::vector<std::string> ids = parsed.references;  // oldest first; In-Reply-To is the newest
  if (!parsed.in_reply_to.empty()) ids.push_back(parsed.in_reply_to);
  for (auto it = ids.rbegin(); it != ids.rend(); ++it) {  // our replies carry their conversation
    auto ours = email::read_our_message_id(*it, secret_);
    if (!ours) continue;
    auto mine = co_await theirs(ours->conversation_id, customer);
    if (!mine) co_return mine.error();
    if (*mine) co_return thread_choice{ours->conversation_id, "our message id"};
  }
  std::string key;
  if (kind == email::subject_kind::reply) key = email::subject_key(parsed.subject);
  const auto now = timeline_.time().unix_ms();
  auto known = co_await threads_.find(customer, ids, key, now - subject_window_ms_);
  if (!known) co_return known.error();
  for (const auto* c : {&known->by_message_id, &known->by_subject}) {
    if (!*c) continue;
    auto mine = co_await theirs(**c, customer);
    if (!mine) co_return mine.error();
    if (*mine) co_return thread_choice{**c, c == &known->by_message_id ? "message id" : "subject"};
  }
  co_return thread_choice{std::string(), "new"};
}

asio::awaitable<result<std::vector<v1::Attachment>>> mail_receiver::keep_attachments(const received_mail& mail,
                                                                                    email::parsed_mail& parsed, bool keep_original,
                                                                                    std::vector<std::string>& left_out) {
  std::vector<v1::Attachment> out;
  if (keep_original) {
    email::mail_attachment whole;
    whole.filename = "original.eml";
    whole.content_type = "message/rfc822";
    whole.data = mail.data;
    parsed.attachments.push_back(std::move(whole));
    left_out.push_back("the mail was longer than a message holds: the whole of it is attached as original.eml");
  }
  for (auto& a : parsed.attachments) {
    media::blob_ref b;
    b.content_type = media::normalise_type(a.content_type);
    if (b.content_type.empty()) b.content_type = "application/octet-stream";
    b.file_name = media::clean_file_name(a.filename);
    if (b.file_name.empty()) b.file_name = "attachment";
    const bool original = keep_original && &a == &parsed.attachments.back();
    if (!original && !media::type_allowed(allowed_types_, b.content_type)) {
      left_out.push_back("attachment " + b.file_name + " (" + b.content_type + ") left out: files of that type are not taken");
      continue;
    }
    if (!original && static_cast<std::int64_t>(a.data.size()) > max_attachment_bytes_) {
      left_out.push_back("attachment " + b.file_name + " left out: larger than " + media::size_in_words(max_attachment_bytes_));
      continue;
    }
    const auto size = static_cast<std::int64_t>(a.data.size());
    auto sha = co_await blobs_.put(std::move(a.data));
    if (!sha) co_return sha.error();
    b.sha256 = *sha;
    out.push_back(media::attachment_of(blob_secret_, b, size));
  }
  for (const auto& p : parsed.problems) {
    if (p.find("attachment") != std::string::npos) left_out.push_back(p);
  }
  co_return out;
}

asio::awaitable<mail_receipt> mail_receiver::bounce(const email::parsed_mail& parsed) {
  using verdict = mail_receipt::verdict;
  std::optional<email::our_message> ours;
  if (!parsed.bounced_message_id.empty()) ours = email::read_our_message_id(parsed.bounced_message_id, secret_);
  for (auto it = parsed.references.rbegin(); !ours && it != parsed.references.rend(); ++it) {
    ours = email::read_our_message_id(*it, secret_);
  }
  if (!ours && !parsed.in_reply_to.empty()) ours = email::read_our_message_id(parsed.in_reply_to, secret_);
  if (!ours) co_return counted(receipt(verdict::dropped, "a delivery report about no mail of ours"), "bounce of another's mail");
  if (!parsed.permanent_failure) co_return counted(receipt(verdict::dropped, "a delay report (" + parsed.bounce_status + ")"), "delay report");
  auto conv = co_await timeline_.conversation(ours->conversation_id);
  if (!conv && conv.error() == errc::not_found) co_return counted(receipt(verdict::dropped, "a bounce of a gone conversation"), "bounce");
  if (!conv) co_return receipt(verdict::retry, "storage is unavailable");
  v1::Delivery d;
  d.set_state(v1::Delivery::FAILED);
  d.set_channel(v1::CHANNEL_EMAIL);
  d.set_provider_message_id(parsed.bounced_message_id);
  std::string reason = "bounced";
  if (!parsed.bounced_recipient.empty()) reason += " by " + parsed.bounced_recipient;
  if (!parsed.bounce_status.empty()) reason += " (" + parsed.bounce_status + ")";
  if (!parsed.bounce_reason.empty()) reason += ": " + parsed.bounce_reason;
  d.set_reason(reason.substr(0, 1000));
  const store::sent_reply r{ours->conversation_id, conv->customer_id(), ours->seq};
  auto a = co_await timeline_.append(store::delivery_append(r, std::move(d), "outbox", "bounce"));
  if (!a && is_retryable(a.error())) co_return receipt(verdict::retry, "storage is unavailable");
  // wrong_state: already FAILED or READ; not_found: no such message. Either way nothing to do.
  log_info({.conversation = ours->conversation_id}, "mail bounce for seq {}: {}", ours->seq, reason);
  co_return counted(receipt(verdict::dropped, "a bounce, recorded"), "bounce");
}

}  // namespace switchboard::gateway
