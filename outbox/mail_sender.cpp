#include "outbox/mail_sender.hpp"

#include <boost/asio/async_result.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iterator>
#include <thread>

#include "channels/email/compose.hpp"
#include "channels/email/reply_address.hpp"
#include "channels/email/smtp_client.hpp"
#include "media/blob_url.hpp"
#include "net/mail_servers.hpp"
#include "net/tls_connection.hpp"

namespace switchboard::outbox {

namespace asio = boost::asio;
namespace email = channels::email;

namespace {

constexpr std::size_t kHistory = 500;    // events read before the reply, for its threading
constexpr std::size_t kReferences = 20;  // the latest ids named in References

channels::send_answer answer(channels::send_answer::verdict v, std::string reason, std::string id = {}) {
  channels::send_answer a;
  a.what = v;
  a.reason = std::move(reason);
  a.provider_message_id = std::move(id);
  return a;
}

// The customer's mail servers (net/mail_servers.hpp), looked up on a thread of its own (libresolv
// blocks) and answered on `ex`, so a slow DNS never holds the outbox's other sends up.
template <typename Token>
auto looked_up(asio::any_io_executor ex, std::string domain, std::string dns, Token&& token) {
  return asio::async_initiate<Token, void(net::mail_route)>(
      [ex](auto handler, std::string domain, std::string dns) {
        auto work = asio::make_work_guard(ex);
        std::thread([handler = std::move(handler), work = std::move(work), domain = std::move(domain), dns = std::move(dns)]() mutable {
          net::mail_route route = net::find_mail_servers(domain, dns);
          auto to = asio::get_associated_executor(handler, work.get_executor());
          asio::post(to, [handler = std::move(handler), route = std::move(route)]() mutable { std::move(handler)(std::move(route)); });
        }).detach();
      },
      token, std::move(domain), std::move(dns));
}

bool is_email(const v1::Event& e) { return e.has_message() && e.message().channel() == v1::CHANNEL_EMAIL; }

// Threading and the quote from the conversation's mails before the reply: every inbound mail's
// Message-ID and each of our email replies', the subject of the first mail with one, the last
// inbound mail (answered and quoted).
void thread_into(email::outgoing_mail& m, const std::vector<v1::Event>& before, const std::string& conv, const v1::EmailConfig& cfg) {
  std::string subject;
  for (const auto& e : before) {
    if (!is_email(e)) continue;
    const auto& msg = e.message();
    if (subject.empty()) subject = msg.subject();
    if (msg.direction() == v1::DIRECTION_INBOUND) {
      if (!msg.provider_message_id().empty()) m.references.push_back(msg.provider_message_id());
      m.in_reply_to = msg.provider_message_id();
      m.quoted_text = msg.body();
      m.quoted_date_ms = msg.sent_at_ms() > 0 ? msg.sent_at_ms() : e.at_ms();
    } else if (msg.direction() == v1::DIRECTION_OUTBOUND) {
      m.references.push_back(email::our_message_id(conv, e.seq(), cfg.hostname(), cfg.reply_secret()));
    }
  }
  if (m.references.size() > kReferences) m.references.erase(m.references.begin(), m.references.end() - kReferences);
  m.subject = email::reply_subject(subject);
}

}  // namespace

mail_sender::mail_sender(asio::any_io_executor ex, const v1::Config& cfg, store::timeline_repository& timeline, media::blob_store& blobs)
    : ex_(std::move(ex)),
      cfg_(cfg.channels().email()),
      ca_file_(cfg.channels().ca_file()),
      blob_secret_(cfg.channels().media().url_secret()),
      timeout_(cfg.channels().send_timeout_ms()),
      timeline_(timeline),
      blobs_(blobs) {
  const auto& k = cfg_.dkim();
  if (k.domain().empty()) return;
  std::ifstream in(k.private_key_file());
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto signer = email::dkim_signer::make(k.domain(), k.selector(), pem);
  if (!signer) throw std::runtime_error("channels.email.dkim.private_key_file '" + k.private_key_file() + "': not an RSA private key (PEM)");
  dkim_.emplace(std::move(*signer));
}

asio::awaitable<channels::send_answer> mail_sender::send(std::string conversation_id, std::int64_t seq, std::string address,
                                                         std::string account) {
  using v = channels::send_answer::verdict;
  if (!can_send()) co_return answer(v::rejected, "no mail relay is configured (channels.email.relay.host)");
  const std::string inbox = account.starts_with("email/") ? account.substr(6) : std::string();
  if (inbox.empty()) co_return answer(v::rejected, "the conversation has no inbox to answer from");
  const std::int64_t first = seq > static_cast<std::int64_t>(kHistory) ? seq - static_cast<std::int64_t>(kHistory) : 0;
  auto events = co_await timeline_.read_conversation(conversation_id, first, static_cast<std::size_t>(seq - first));
  if (!events) co_return answer(v::retry, "storage: " + events.error().message());
  if (events->empty() || events->back().seq() != seq || !events->back().has_message()) {
    co_return answer(v::rejected, "the reply is not in the conversation");
  }
  const v1::Event reply = events->back();
  events->pop_back();
  email::outgoing_mail m;
  m.from_name = reply.message().author_name().empty() ? "Support" : reply.message().author_name();
  m.from_address = inbox;
  m.reply_to = email::reply_address(inbox, conversation_id, cfg_.reply_secret());
  m.to_address = address;
  m.quoted_who = address;
  m.message_id = email::our_message_id(conversation_id, seq, cfg_.hostname(), cfg_.reply_secret());
  m.date_ms = reply.at_ms();
  m.body = reply.message().body();
  thread_into(m, *events, conversation_id, cfg_);
  for (const auto& a : reply.message().attachments()) {
    const auto b = media::read_blob_url(blob_secret_, a.url());
    if (!b) co_return answer(v::rejected, "an attachment that is not in the blob store: " + a.file_name());
    auto bytes = co_await blobs_.get(b->sha256);
    if (!bytes) co_return answer(v::retry, "the blob store: " + bytes.error().message());
    email::outgoing_attachment file;  // field by field: GCC 12 mishandles braced lists of strings in coroutines
    file.file_name = b->file_name;
    file.content_type = b->content_type;
    file.data = std::move(*bytes);
    m.attachments.push_back(std::move(file));
  }
  std::string data = email::compose_mail(m);
  if (dkim_) data = dkim_->sign(data, m.date_ms / 1000) + data;  // signed at the reply's time: a retry is the same mail
  auto a = co_await deliver(inbox, address, std::move(data));
  if (a.what == v::sent) a.provider_message_id = m.message_id;
  co_return a;
}

asio::awaitable<channels::send_answer> mail_sender::send_notice(std::string from, std::string to, std::string data, std::int64_t at_s) {
  if (!can_send()) {
    co_return answer(channels::send_answer::verdict::rejected, "no mail relay is configured (channels.email.relay.host)");
  }
  if (dkim_) data = dkim_->sign(data, at_s) + data;
  co_return co_await deliver(std::move(from), std::move(to), std::move(data));
}

asio::awaitable<channels::send_answer> mail_sender::deliver(std::string from, std::string to, std::string data) {
  email::smtp_envelope env;
  env.mail_from = std::move(from);
  env.recipients.push_back(to);
  env.data = std::move(data);
  email::smtp_client_options o;
  o.helo = cfg_.hostname();
  if (!cfg_.deliver_direct()) {
    const auto& r = cfg_.relay();
    o.starttls = r.tls() == "starttls";
    o.tls_from_start = r.tls() == "implicit";
    o.username = r.username();
    o.password = r.password();
    co_return co_await talk("the mail relay " + r.host(), r.host(), r.port(), !r.skip_certificate_check(), std::move(o), std::move(env));
  }
  // Straight to the customer's servers, in their order: a refusal (5xx) is final, anything else
  // tries the next one.
  const std::string domain = to.substr(to.rfind('@') + 1);
  const std::string dns = cfg_.dns_server();
  const net::mail_route route = co_await looked_up(ex_, domain, dns, asio::use_awaitable);
  using v = channels::send_answer::verdict;
  if (route.servers.empty()) co_return answer(route.permanent ? v::rejected : v::retry, route.error);
  o.starttls = false;
  o.starttls_when_offered = true;  // opportunistic, as servers deliver to each other; not checked (no MTA-STS or DANE yet)
  channels::send_answer last;
  for (const auto& server : route.servers) {
    last = co_await talk("the mail server " + server.host + " (" + server.address + ")", server.address, cfg_.mx_port(), false, o, env);
    if (last.what != v::retry) co_return last;
  }
  co_return last;
}

// One SMTP conversation with `host`, named `who` in the answer's reason.
asio::awaitable<channels::send_answer> mail_sender::talk(std::string who, std::string host, int port, bool verify,
                                                        email::smtp_client_options o, email::smtp_envelope env) {
  using v = channels::send_answer::verdict;
  const bool at_once = o.tls_from_start;
  email::smtp_client client(std::move(o), std::move(env));
  net::tls_connection c(ex_, ca_file_, verify, timeout_);
  if (auto err = co_await c.connect(host, std::to_string(port), at_once); !err.empty()) co_return answer(v::retry, who + ": " + err);
  email::smtp_client_step step;
  std::string in;
  for (int rounds = 0; rounds < 64 && step.verdict == email::smtp_verdict::pending; ++rounds) {
    in.clear();
    if (auto err = co_await c.read(in); !err.empty()) {
      step = client.lost(err);
      break;
    }
    step = client.feed(in);
    if (!step.send.empty()) {
      if (auto err = co_await c.write(step.send); !err.empty() && step.verdict == email::smtp_verdict::pending) step = client.lost(err);
    }
    if (step.start_tls) {
      if (auto err = co_await c.start_tls(); !err.empty()) co_return answer(v::retry, who + ": " + err);
      step = client.tls_started();
      if (auto err = co_await c.write(step.send); !err.empty()) step = client.lost(err);
    }
  }
  c.close();
  switch (step.verdict) {
    case email::smtp_verdict::sent: co_return answer(v::sent, step.reason);
    case email::smtp_verdict::permanent: co_return answer(v::rejected, who + " refused it: " + step.reason);
    default: co_return answer(v::retry, who + ": " + (step.reason.empty() ? std::string("no verdict") : step.reason));
  }
}

}  // namespace switchboard::outbox
