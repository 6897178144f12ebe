#include "gateway/mailbox_reader.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>

#include "gateway/imap_connection.hpp"
#include "gateway/mail_receiver.hpp"
#include "store/lease.hpp"
#include "store/mailbox_marks.hpp"

namespace switchboard::gateway {

namespace asio = boost::asio;
namespace email = channels::email;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kCommandTimeout = 60s;   // one IMAP command, a message's bytes included
constexpr auto kIdleRenewal = 25min;    // RFC 2177: re-issue IDLE at least every 29 minutes
constexpr auto kLeaseTtl = 60s;         // another gateway takes over this long after one stopped
constexpr std::size_t kSizeBatch = 100;  // messages whose sizes are asked at once

// The UIDs of a "* SEARCH 4 7 9" answer above `after`, in order.
std::vector<std::uint64_t> searched(const imap_answer& a, std::uint64_t after) {
  std::vector<std::uint64_t> out;
  for (const auto& r : a.untagged) {
    if (r.tag != "*" || !r.status.empty() || r.text.size() < 6) continue;
    std::string word = r.text.substr(0, 6);
    for (char& c : word) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (word != "SEARCH") continue;
    const char* p = r.text.data() + 6;
    const char* end = r.text.data() + r.text.size();
    while (p < end) {
      while (p < end && *p == ' ') ++p;
      std::uint64_t uid = 0;
      auto [next, ec] = std::from_chars(p, end, uid);
      if (ec != std::errc()) break;
      if (uid > after) out.push_back(uid);
      p = next;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string uid_list(const std::vector<std::uint64_t>& uids, std::size_t from, std::size_t to) {
  std::string out;
  for (std::size_t i = from; i < to; ++i) out += (out.empty() ? "" : ",") + std::to_string(uids[i]);
  return out;
}

}  // namespace

std::string mailbox_name(const v1::EmailMailbox& m) {
  return m.username() + "@" + m.host() + ":" + std::to_string(m.port()) + "/" + m.folder();
}

struct mailbox_readers::reader : std::enable_shared_from_this<reader> {
  reader(asio::io_context& ioc, asio::any_io_executor core_ex, const v1::Config& cfg, int index, store::redis_client& redis,
         const store::key_layout& keys, mail_receiver& r, std::string owner)
      : m(cfg.channels().email().mailboxes(index)),
        name(mailbox_name(m)),
        inbox(m.inbox().empty() ? cfg.channels().email().inboxes(0).address() : m.inbox()),
        ca_file(cfg.channels().ca_file()),
        max_bytes(static_cast<std::size_t>(cfg.channels().email().max_message_bytes())),
        poll(std::chrono::seconds(m.poll_seconds())),
        strand(asio::make_strand(ioc)),
        core(std::move(core_ex)),
        pause_timer(strand),
        lease_timer(strand),
        marks(redis, keys),
        lease(redis, "mailbox:" + name, std::move(owner), kLeaseTtl, keys),
        receiver(r) {}

  const v1::EmailMailbox m;
  const std::string name;
  const std::string inbox;
  const std::string ca_file;
  const std::size_t max_bytes;
  const std::chrono::seconds poll;
  asio::strand<asio::io_context::executor_type> strand;
  asio::any_io_executor core;
  asio::steady_timer pause_timer;  // between looks, and after a failure
  asio::steady_timer lease_timer;
  store::mailbox_mark_repository marks;
  store::lease lease;
  mail_receiver& receiver;
  std::unique_ptr<imap_connection> conn;  // the one open now, if any
  bool stopped = false;
  bool held = false;  // this gateway holds the mailbox's lease
  std::atomic<int> busy{0};  // its coroutines still running (the drain waits for them)
  struct busy_guard {
    std::atomic<int>& n;
    explicit busy_guard(std::atomic<int>& b) : n(b) { ++n; }
    ~busy_guard() { --n; }
  };

  asio::awaitable<void> run();
  asio::awaitable<void> keep_lease();
  asio::awaitable<std::string> session();
  asio::awaitable<std::string> take_new(imap_connection& c, store::mailbox_mark& mark);
  asio::awaitable<std::string> take_one(imap_connection& c, std::uint64_t uid, std::optional<std::uint64_t> size,
                                        store::mailbox_mark& mark);
  asio::awaitable<std::string> done_with(imap_connection& c, std::uint64_t uid);
  asio::awaitable<void> pause(asio::steady_timer& t, std::chrono::milliseconds d) {
    t.expires_after(d);
    co_await t.async_wait(use_tuple);
  }
  void stop() {
    stopped = true;
    pause_timer.cancel();
    lease_timer.cancel();
    if (conn) conn->close();
  }
};

asio::awaitable<void> mailbox_readers::reader::run() {
  auto self = shared_from_this();
  busy_guard guard(busy);
  while (!stopped) {
    if (!held) {
      co_await pause(pause_timer, kLeaseTtl / 3);  // keep_lease cuts it short once the lease is ours
      continue;
    }
    std::string err = co_await session();
    conn.reset();
    if (stopped) break;
    if (!err.empty()) {
      spdlog::warn("mailbox {}: {} (trying again in {} s)", name, err, poll.count());
      co_await pause(pause_timer, poll);
    }
  }
}

asio::awaitable<void> mailbox_readers::reader::keep_lease() {
  auto self = shared_from_this();
  busy_guard guard(busy);
  while (!stopped) {
    auto token = co_await asio::co_spawn(core, lease.acquire(), asio::use_awaitable);
    const bool now = token && *token != 0;
    if (now != held) spdlog::info("mailbox {}: {} by this gateway", name, now ? "read" : "no longer read");
    if (now && !held) pause_timer.cancel();
    if (!now && held && conn) conn->close();
    held = now;
    co_await pause(lease_timer, kLeaseTtl / 3);
  }
  if (held) co_await asio::co_spawn(core, lease.release(), asio::use_awaitable);
}

asio::awaitable<std::string> mailbox_readers::reader::session() {
  conn = std::make_unique<imap_connection>(strand, ca_file, !m.skip_certificate_check(), kCommandTimeout, max_bytes + 1024 * 1024);
  imap_connection& c = *conn;
  if (auto err = co_await c.open(m.host(), std::to_string(m.port()), m.tls()); !err.empty()) co_return "connecting: " + err;
  if (auto err = co_await c.sign_in(m.username(), m.password()); !err.empty()) co_return "signing in: " + err;
  auto sel = co_await c.run("SELECT " + email::imap_quoted(m.folder()).value_or("INBOX"));
  if (!sel.error.empty()) co_return sel.error;
  std::uint64_t validity = 0;
  for (const auto& r : sel.untagged) {
    if (auto v = email::imap_code_number(r.text, "UIDVALIDITY"); v && r.status == "OK") validity = *v;
  }
  if (validity == 0) co_return "SELECT: the server named no UIDVALIDITY";
  auto got = co_await asio::co_spawn(core, marks.get(name), asio::use_awaitable);
  if (!got) co_return "Redis: " + got.error().message();
  store::mailbox_mark mark = *got;
  if (mark.uidvalidity != validity) {
    if (mark.uidvalidity != 0) spdlog::info("mailbox {}: UIDVALIDITY {} is new: reading it from its first message", name, validity);
    mark = store::mailbox_mark{validity, 0};
  }
  while (!stopped && held) {
    if (auto err = co_await take_new(c, mark); !err.empty()) co_return err;
    if (stopped || !held) break;
    if (c.offers("IDLE")) {
      bool news = false;
      if (auto err = co_await c.idle(kIdleRenewal, news); !err.empty()) co_return "IDLE: " + err;
      if (!news) break;  // renewed on a new connection
    } else {
      co_await pause(pause_timer, poll);
    }
  }
  c.close();
  co_return std::string();
}

asio::awaitable<std::string> mailbox_readers::reader::take_new(imap_connection& c, store::mailbox_mark& mark) {
  auto found = co_await c.run("UID SEARCH UID " + std::to_string(mark.uid + 1) + ":*");
  if (!found.error.empty()) co_return found.error;
  const std::vector<std::uint64_t> uids = searched(found, mark.uid);
  for (std::size_t i = 0; i < uids.size(); i += kSizeBatch) {
    const std::size_t end = std::min(uids.size(), i + kSizeBatch);
    auto sized = co_await c.run("UID FETCH " + uid_list(uids, i, end) + " (UID RFC822.SIZE)");
    if (!sized.error.empty()) co_return sized.error;
    std::map<std::uint64_t, std::uint64_t> sizes;
    for (const auto& r : sized.untagged) {
      auto f = email::imap_fetch(r);
      if (f && f->uid && f->size) sizes[*f->uid] = *f->size;
    }
    for (std::size_t k = i; k < end; ++k) {
      if (stopped || !held) co_return std::string();
      auto s = sizes.find(uids[k]);
      auto size = s == sizes.end() ? std::nullopt : std::optional<std::uint64_t>(s->second);
      if (auto err = co_await take_one(c, uids[k], size, mark); !err.empty()) co_return err;
    }
  }
  co_return std::string();
}

asio::awaitable<std::string> mailbox_readers::reader::take_one(imap_connection& c, std::uint64_t uid, std::optional<std::uint64_t> size,
                                                               store::mailbox_mark& mark) {
  if (size && *size > max_bytes) {
    spdlog::warn("mailbox {}: UID {} is {} bytes, over channels.email.max_message_bytes: left there", name, uid, *size);
    receiver.note("too large");
  } else if (size) {
    auto got = co_await c.run("UID FETCH " + std::to_string(uid) + " (UID BODY.PEEK[])");
    if (!got.error.empty()) co_return got.error;
    std::optional<std::string> body;
    for (const auto& r : got.untagged) {
      auto f = email::imap_fetch(r);
      if (f && f->uid == uid && f->body) body = std::move(f->body);
    }
    if (body) {  // none: expunged meanwhile
      received_mail mail;
      mail.data = std::move(*body);
      mail.inbox = inbox;
      const mail_receipt receipt = co_await receiver.receive(std::move(mail));
      if (receipt.what == mail_receipt::verdict::retry) co_return "UID " + std::to_string(uid) + " not stored: " + receipt.text;
      if (receipt.what == mail_receipt::verdict::refused) {
        spdlog::warn("mailbox {}: UID {} not taken ({}): left there", name, uid, receipt.text);
      } else if (auto err = co_await done_with(c, uid); !err.empty()) {
        co_return err;
      }
    }
  }
  mark.uid = uid;
  auto wrote = co_await asio::co_spawn(core, marks.set(name, mark), asio::use_awaitable);
  if (!wrote) co_return "Redis: " + wrote.error().message();
  co_return std::string();
}

// Stored (or dropped as noise): \Seen, or moved to move_to.
asio::awaitable<std::string> mailbox_readers::reader::done_with(imap_connection& c, std::uint64_t uid) {
  const std::string u = std::to_string(uid);
  std::vector<std::string> commands;
  commands.push_back("UID STORE " + u + " +FLAGS.SILENT (\\Seen)");  // moved mail is read mail too
  if (!m.move_to().empty()) {
    const std::string to = email::imap_quoted(m.move_to()).value_or("\"\"");
    if (c.offers("MOVE")) {
      commands.push_back("UID MOVE " + u + " " + to);
    } else {
      commands.push_back("UID COPY " + u + " " + to);
      commands.push_back("UID STORE " + u + " +FLAGS.SILENT (\\Deleted)");
      // Without UIDPLUS the original stays \Deleted: a plain EXPUNGE would also remove what
      // others marked deleted, so it is left to the mailbox's own clean-up.
      if (c.offers("UIDPLUS")) commands.push_back("UID EXPUNGE " + u);
    }
  }
  for (auto& command : commands) {
    imap_answer a = co_await c.run(std::move(command));
    if (!a.error.empty()) co_return a.error;
  }
  co_return std::string();
}

mailbox_readers::mailbox_readers(asio::io_context& ioc, asio::any_io_executor core, const v1::Config& cfg, store::redis_client& redis,
                                 const store::key_layout& keys, mail_receiver& receiver, std::string owner) {
  for (int i = 0; i < cfg.channels().email().mailboxes_size(); ++i) {
    readers_.push_back(std::make_shared<reader>(ioc, core, cfg, i, redis, keys, receiver, owner));
  }
}

mailbox_readers::~mailbox_readers() { stop(); }

void mailbox_readers::start() {
  for (auto& r : readers_) {
    asio::co_spawn(r->strand, r->keep_lease(), asio::detached);
    asio::co_spawn(r->strand, r->run(), asio::detached);
  }
}

std::size_t mailbox_readers::running() const {
  std::size_t n = 0;
  for (const auto& r : readers_) n += static_cast<std::size_t>(r->busy.load());
  return n;
}

void mailbox_readers::stop() {
  for (auto& r : readers_) asio::post(r->strand, [r] { r->stop(); });
}

}  // namespace switchboard::gateway
