#include "gateway/identity_proofs.hpp"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include "channels/email/ascii.hpp"
#include "channels/email/compose.hpp"
#include "channels/outgoing.hpp"
#include "conversation/answers.hpp"
#include "media/blob_url.hpp"
#include "store/append_request.hpp"
#include "store/idempotency.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
using conversation::ack_frame;
using conversation::error_for;
using conversation::error_frame;

namespace {

constexpr int kCodeSeconds = 600;
constexpr int kMaxTries = 5;
constexpr int kCodesPerCustomer = 5;  // an hour
constexpr int kCodesPerNumber = 3;    // a day: at most 15 guesses a day at one number's codes
constexpr int kCodesPerHour = 200;    // the whole service: a cap on what SMS can cost

// Six digits, uniform (bytes past the last whole million are drawn again).
std::string six_digits() {
  for (int round = 0; round < 100; ++round) {
    std::uint32_t v = 0;
    if (RAND_bytes(reinterpret_cast<unsigned char*>(&v), sizeof v) != 1) break;
    if (v >= 4'294'000'000u) continue;
    std::string s = std::to_string(v % 1'000'000);
    return std::string(6 - s.size(), '0') + s;
  }
  throw std::runtime_error("no random bytes for a code");
}

std::optional<v1::ChannelAccount> sms_account(const v1::Config& cfg) {
  for (const auto& a : cfg.channels().accounts()) {
    if (a.provider() != "twilio") continue;
    if (cfg.channels().identity_sms_account().empty() || a.id() == cfg.channels().identity_sms_account()) return a;
  }
  return std::nullopt;
}

bool is_email(const std::string& address) { return address.find('@') != std::string::npos; }

}  // namespace

std::string plain_email(const std::string& raw) {
  const auto first = raw.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  std::string a = channels::email::ascii_lower(raw.substr(first, raw.find_last_not_of(" \t") - first + 1));
  const auto at = a.find('@');
  if (at == 0 || at == std::string::npos || a.size() > 254 || at > 64 || a.find('@', at + 1) != std::string::npos) return {};
  const auto dot = a.find('.', at);
  if (dot == std::string::npos || dot == at + 1 || a.back() == '.' || a.find("..") != std::string::npos) return {};
  for (const unsigned char c : a) {
    if (c <= 0x20 || c >= 0x7f || std::string_view("<>()[],;:\"\\").find(static_cast<char>(c)) != std::string_view::npos) return {};
  }
  return a;
}

std::string e164(const std::string& raw) {
  std::string out;
  for (char c : raw) {
    if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')') continue;
    if (c == '+' && out.empty()) {
      out += c;
    } else if (c >= '0' && c <= '9' && !out.empty()) {
      out += c;
    } else {
      return {};
    }
  }
  if (out.size() < 9 || out.size() > 16 || out[1] == '0') return {};
  return out;
}

identity_proofs::identity_proofs(const v1::Config& cfg, asio::any_io_executor core, store::redis_client& redis,
                                 const store::key_layout& keys, store::timeline_repository& timeline,
                                 store::identity_repository& identities, outbox::mail_sender& mail)
    : sms_(sms_account(cfg)),
      mail_from_(cfg.channels().email().inboxes_size() > 0 ? cfg.channels().email().inboxes(0).address() : ""),
      mail_host_(cfg.channels().email().hostname()),
      mail_(mail),
      https_(std::move(core), cfg.channels().ca_file(), std::chrono::milliseconds(cfg.channels().send_timeout_ms())),
      codes_(redis, keys),
      timeline_(timeline),
      identities_(identities) {}

std::string identity_proofs::code_hash(const std::string& customer, const std::string& code) const {
  return media::sha256_hex(customer + ":" + code);
}

asio::awaitable<v1::ServerFrame> identity_proofs::handle(std::string customer_id, v1::ClientFrame f) {
  const std::string& conv_id = f.has_prove_identity() ? f.prove_identity().conversation_id() : f.confirm_identity().conversation_id();
  auto conv = co_await timeline_.conversation(conv_id);
  if (!conv && conv.error() != errc::not_found) co_return error_for(f.request_id(), conv.error());
  if (!conv || conv->customer_id() != customer_id) co_return error_frame(f.request_id(), "not_found", "no such conversation");
  if (f.has_prove_identity()) co_return co_await prove(customer_id, f);
  co_return co_await confirm(customer_id, f);
}

asio::awaitable<v1::ServerFrame> identity_proofs::prove(const std::string& customer, const v1::ClientFrame& f) {
  const std::string& id = f.request_id();
  const auto& p = f.prove_identity();
  if (p.phone().empty() == p.email().empty()) co_return error_frame(id, "bad_request", "phone or email: one of the two");
  const std::string address = p.email().empty() ? e164(p.phone()) : plain_email(p.email());
  if (address.empty() && p.email().empty()) co_return error_frame(id, "bad_request", "phone: a number with its country code, like +34 600 111 222");
  if (address.empty()) co_return error_frame(id, "bad_request", "email: an address like ana@example.org");
  if (!is_email(address) && !sms_) co_return error_frame(id, "not_available", "confirming a phone number is not set up here (no SMS account)");
  if (is_email(address) && (!mail_.can_send() || mail_from_.empty())) {
    co_return error_frame(id, "not_available", "confirming an email address is not set up here (no mail relay)");
  }
  auto within = co_await codes_.count_send(customer, address, kCodesPerCustomer, kCodesPerNumber, kCodesPerHour);
  if (!within) co_return error_for(id, within.error());
  if (!*within) {
    v1::ServerFrame e = error_frame(id, "rate_limited", "too many codes asked for; try again later", true);
    e.mutable_error()->set_retry_after_ms(3'600'000);
    co_return e;
  }
  const std::string code = six_digits();
  if (auto kept = co_await codes_.keep(customer, address, code_hash(customer, code), kCodeSeconds); !kept) {
    co_return error_for(id, kept.error());
  }
  if (auto refused = co_await send_code(id, address, code)) co_return std::move(*refused);
  co_return ack_frame(id, p.conversation_id(), 0, false);
}

asio::awaitable<std::optional<v1::ServerFrame>> identity_proofs::send_code(const std::string& id, const std::string& address,
                                                                          const std::string& code) {
  channels::send_answer answer;
  if (is_email(address)) {
    channels::email::outgoing_mail m;
    m.from_address = mail_from_;
    m.to_address = address;
    m.subject = "Your confirmation code: " + code;
    m.message_id = "sb-code." + media::random_hex(12) + "@" + mail_host_;
    m.date_ms = timeline_.time().unix_ms();
    m.body = "Your code to confirm this address in the support chat is " + code +
             ".\r\n\r\nIt expires in 10 minutes. If you did not ask for it, ignore this mail.\r\n";
    m.automatic = true;
    answer = co_await mail_.send_notice(mail_from_, address, channels::email::compose_mail(m), m.date_ms / 1000);
  } else {
    v1::Message m;
    m.set_body("Your code to confirm this number in the support chat is " + code +
               ". It expires in 10 minutes. If you did not ask for it, ignore this message.");
    std::string error;
    const auto call = channels::send_call(*sms_, v1::CHANNEL_SMS, address, m, error);
    const auto reply = co_await https_.send(net::request_of(call));
    answer = channels::read_answer("twilio", reply.status, reply.status ? reply.body : reply.error, reply.retry_after);
  }
  if (answer.what == channels::send_answer::verdict::rejected) {
    co_return error_frame(id, "bad_request", "the code could not be sent to " + address + ": " + answer.reason);
  }
  if (answer.what == channels::send_answer::verdict::retry) {
    spdlog::warn("identity: a code could not be sent: {}", answer.reason);
    co_return error_frame(id, "retry", "the code could not be sent just now; ask again in a minute", true);
  }
  co_return std::nullopt;
}

asio::awaitable<v1::ServerFrame> identity_proofs::confirm(const std::string& customer, const v1::ClientFrame& f) {
  const std::string& id = f.request_id();
  const std::string& conv = f.confirm_identity().conversation_id();
  const std::string& code = f.confirm_identity().code();
  if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) {
    co_return error_frame(id, "bad_request", "code: the six digits of the message");
  }
  auto checked = co_await codes_.check(customer, code_hash(customer, code), kMaxTries);
  if (!checked) co_return error_for(id, checked.error());
  using v = store::code_check::verdict;
  if (checked->what == v::none) co_return error_frame(id, "code_expired", "no code is waiting (they last 10 minutes): ask for a new one");
  if (checked->what == v::exhausted) co_return error_frame(id, "wrong_code", "wrong code, and no tries left: ask for a new one");
  if (checked->what == v::wrong) {
    co_return error_frame(id, "wrong_code", "wrong code: " + std::to_string(checked->tries_left) + " tries left");
  }
  const std::string hash = code_hash(customer, code);
  auto r = co_await link_proved(customer, checked->address, conv, hash);
  if (!r) {
    // Cut short (Redis failing): the code is waiting again, so the same confirmation finishes it
    // (each step is safe to repeat: the merges resume, the event is stored once).
    co_await codes_.keep(customer, checked->address, hash, kCodeSeconds);
    co_return error_for(id, r.error());
  }
  co_return ack_frame(id, *r);
}

asio::awaitable<result<store::append_result>> identity_proofs::link_proved(const std::string& customer, const std::string& address,
                                                                           const std::string& conv, const std::string& hash) {
  auto merged = co_await claim(customer, address, conv);
  if (!merged) co_return merged.error();
  const v1::Channel channel = is_email(address) ? v1::CHANNEL_EMAIL : v1::CHANNEL_SMS;
  const char* method = is_email(address) ? "email_code" : "sms_code";
  v1::IdentityProof proof;
  proof.set_method(method);
  proof.set_at_ms(timeline_.time().unix_ms());
  proof.set_conversation_id(conv);
  if (auto r = co_await identities_.record_proof(customer, channel, address, proof); !r) co_return r.error();
  store::append_request req;
  req.customer_id = customer;
  req.conversation_id = conv;
  req.idempotency_key = store::idempotency::identity_proof(customer, hash);
  req.event.set_actor(customer);
  auto* p = req.event.mutable_identity_proved();
  p->set_channel(channel);
  p->set_address(address);
  p->set_method(method);
  for (const auto& m : *merged) p->add_merged_customer_ids(m);
  co_return co_await timeline_.append(std::move(req));
}

asio::awaitable<result<std::vector<std::string>>> identity_proofs::claim(const std::string& customer, const std::string& address,
                                                                         const std::string& conversation) {
  std::vector<std::string> merged;
  std::vector<v1::Channel> where;  // where the address names a customer; the first is where it is linked
  if (is_email(address)) {
    where.push_back(v1::CHANNEL_EMAIL);
  } else {
    where.push_back(v1::CHANNEL_SMS);
    where.push_back(v1::CHANNEL_WHATSAPP);
  }
  const std::string how = is_email(address) ? "an email code" : "an SMS code";
  for (const auto channel : where) {
    auto owner = co_await identities_.find(channel, address);
    if (!owner) co_return owner.error();
    if (!*owner) {
      if (channel != where.front()) continue;
      auto linked = co_await identities_.link(customer, channel, address);
      if (!linked && linked.error() != errc::conflict) co_return linked.error();
      if (linked) continue;
      owner = co_await identities_.find(channel, address);  // someone took it meanwhile: merge them
      if (!owner) co_return owner.error();
      if (!*owner) continue;
    }
    if (**owner == customer) continue;
    auto m = co_await identities_.merge(**owner, customer, customer, "proved " + address + " by " + how + " in conversation " + conversation);
    if (!m && m.error() != errc::conflict) co_return m.error();
    if (!m) {  // merged elsewhere already: a lead decides
      spdlog::warn("identity: {} proved an address of customer {}, who is merged elsewhere; not merged", customer, **owner);
      continue;
    }
    merged.push_back(**owner);
  }
  co_return merged;
}

}  // namespace switchboard::gateway
