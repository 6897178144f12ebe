#include "outbox/outbox_service.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "channels/outgoing.hpp"
#include "core/log.hpp"
#include "store/append_request.hpp"
#include "store/dead_letters.hpp"
#include "store/deliveries.hpp"

namespace switchboard::outbox {

namespace asio = boost::asio;
using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kGroup = "outbox";
constexpr int kReadBatch = 100;

std::string field(const store::reply& fields, std::string_view name) {
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    if (fields.elements[i].str == name) return fields.elements[i + 1].str;
  }
  return {};
}

// The provider whose accounts send on `channel` ("provider/id" accounts; Twilio sends SMS and
// WhatsApp).
bool sends_on(const std::string& provider, const std::string& channel) {
  if (provider == "twilio") return channel == "sms" || channel == "whatsapp";
  return provider == channel;
}

}  // namespace

service::service(asio::any_io_executor ex, store::redis_client& reader, store::redis_client& writer,
                 const store::key_layout& keys, id_generator& ids, const clock& clk, const v1::Config& cfg, media::blob_store& blobs,
                 options o)
    : ex_(ex),
      reader_(reader),
      writer_(writer),
      keys_(keys),
      clk_(clk),
      timeline_(writer, keys, ids, clk, cfg.store()),
      deliveries_(writer, keys),
      dead_(writer, keys),
      https_(ex, cfg.channels().ca_file(), milliseconds(cfg.channels().send_timeout_ms())),
      mail_(ex, cfg, timeline_, blobs),
      opts_(std::move(o)),
      metrics_(opts_.metrics ? *opts_.metrics : metrics::registry::discard()),
      queued_(metrics_.gauge_of("switchboard_outbox_queued",
                                "Replies this outbox has taken from the streams and not yet recorded as sent or failed.")),
      lag_(metrics_.histogram_of("switchboard_outbox_lag_seconds",
                                 "Replies: stored (added to the outbox stream) to recorded as sent or failed.",
                                 metrics::wait_buckets())),
      public_url_(cfg.channels().public_url()),
      send_attempts_(cfg.channels().send_attempts()),
      max_delay_(cfg.channels().max_retry_delay_ms()),
      wake_(ex),
      pause_(ex),
      random_(std::random_device{}()) {
  while (!public_url_.empty() && public_url_.back() == '/') public_url_.pop_back();
  for (const auto& a : cfg.channels().accounts()) accounts_.emplace(a.provider() + "/" + a.id(), account_state{a, pacer(a.sends_per_second())});
  for (int g = 0; g < keys.groups(); ++g) streams_.push_back(keys.outbox(g));
  store::group_streams::options ro;
  ro.group = kGroup;
  ro.consumer = opts_.instance;
  ro.count = kReadBatch;
  streams_reader_ = std::make_unique<store::group_streams>(reader, clk, streams_, ro, "outbox-bells");
}

service::~service() = default;

void service::start() {
  streams_reader_->start();
  loops_ = 2;
  asio::co_spawn(ex_, read_loop(), asio::detached);
  asio::co_spawn(ex_, dispatch_loop(), asio::detached);
}

void service::stop(std::function<void()> done) {
  asio::post(ex_, [this, done = std::move(done)]() mutable {
    stopping_ = true;
    on_stopped_ = std::move(done);
    wake_.cancel();
    pause_.cancel();
    streams_reader_->stop();
    if (loops_ == 0 && running_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
  });
}

asio::awaitable<void> service::sleep_for(milliseconds d) {
  pause_.expires_after(d);
  co_await pause_.async_wait(use_tuple);
}

asio::awaitable<void> service::ensure_groups() {
  // From the stream's start: replies stored while no outbox ran are sent all the same.
  for (std::size_t i = 0; i < streams_.size() && !stopping_;) {
    auto [ec, r] = co_await writer_.async_exec(store::cmd("XGROUP", "CREATE", streams_[i], kGroup, "0", "MKSTREAM"), use_tuple);
    if (!ec || r.error_code() == "BUSYGROUP") {
      ++i;
      continue;
    }
    co_await sleep_for(milliseconds(200));  // Redis not reachable yet
  }
}

asio::awaitable<void> service::read_loop() {
  co_await ensure_groups();
  auto next_claim = steady::now();
  while (!stopping_) {
    if (steady::now() >= next_claim) {
      co_await claim();
      next_claim = steady::now() + opts_.claim_idle / 2;
    }
    // Each stream on its own (no command spans two slots), when its bell rang (store/group_streams.hpp).
    auto [ec, r] = co_await streams_reader_->read(opts_.block);
    if (ec) {
      if (r.error_code() == "NOGROUP") co_await ensure_groups();  // the streams were deleted
      else co_await sleep_for(milliseconds(200));
      continue;
    }
    if (!r.is_array()) continue;  // nothing new: nil
    for (const auto& per_stream : r.elements) {
      if (per_stream.elements.size() != 2) continue;
      for (const auto& entry : per_stream.elements[1].elements) take(per_stream.elements[0].str, entry);
    }
    wake_.cancel();
  }
  if (--loops_ == 0 && running_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
}

// Keeps this consumer's own entries fresh (a reply waiting here for its retry must not look
// abandoned), then takes over what other consumers left idle past claim_idle.
asio::awaitable<void> service::claim() {
  std::map<std::string, std::vector<std::string>> mine;
  for (const auto& [conv, q] : queues_) {
    for (const auto& j : q) mine[j.stream].push_back(j.entry);
  }
  for (auto& [stream, ids] : mine) {
    auto args = store::cmd("XCLAIM", stream, kGroup, opts_.instance, "0");
    args.insert(args.end(), ids.begin(), ids.end());
    args.emplace_back("JUSTID");
    co_await writer_.async_exec(std::move(args), use_tuple);
  }
  for (const auto& stream : streams_) {
    if (stopping_) co_return;
    auto [ec, r] = co_await writer_.async_exec(store::cmd("XAUTOCLAIM", stream, kGroup, opts_.instance,
                                                          std::to_string(opts_.claim_idle.count()), "0-0", "COUNT", "100"),
                                               use_tuple);
    if (ec || !r.is_array() || r.elements.size() < 2) continue;
    for (const auto& entry : r.elements[1].elements) take(stream, entry);
  }
  wake_.cancel();
}

void service::take(const std::string& stream, const store::reply& entry) {
  if (entry.elements.size() != 2 || !entry.elements[1].is_array()) return;
  const std::string& id = entry.elements[0].str;
  if (!known_.insert(stream + " " + id).second) return;  // an id is unique in its stream only
  const auto& f = entry.elements[1];
  job j;
  j.stream = stream;
  j.entry = id;
  j.conversation = field(f, "c");
  j.customer = field(f, "cu");
  j.channel = field(f, "ch");
  j.seq = std::atoll(field(f, "sq").c_str());
  auto& q = queues_[j.conversation];
  const bool first = q.empty();
  q.push_back(std::move(j));
  queued_.add(1);
  if (first) due(q.back().conversation, steady::now());
}

void service::due(const std::string& conversation, steady::time_point at) { due_.emplace(at, conversation); }

void service::count_done(const job& j) {
  queued_.add(-1);
  const auto l = metrics::labels({{"channel", j.channel}});
  if (j.sent) {
    metrics_.counter_of("switchboard_outbox_sent_total", "Replies the provider accepted, by channel.", l).add();
  } else {
    metrics_.counter_of("switchboard_outbox_failed_total", "Replies that failed for good (to the dead letters), by channel.", l).add();
  }
  // A stream entry's id starts with the millisecond it was added.
  const auto stored_ms = std::atoll(j.entry.substr(0, j.entry.find('-')).c_str());
  if (stored_ms > 0) lag_.observe(std::chrono::milliseconds(std::max<std::int64_t>(0, clk_.unix_ms() - stored_ms)));
}

asio::awaitable<void> service::dispatch_loop() {
  while (!stopping_) {
    const auto now = steady::now();
    while (!due_.empty() && due_.begin()->first <= now && running_.size() < opts_.max_in_flight) {
      const std::string conv = due_.begin()->second;
      due_.erase(due_.begin());
      if (running_.count(conv) || !queues_.count(conv)) continue;
      running_.insert(conv);
      asio::co_spawn(ex_, attempt(conv), asio::detached);
    }
    const bool full = running_.size() >= opts_.max_in_flight;
    wake_.expires_at(due_.empty() || full ? now + std::chrono::hours(1) : due_.begin()->first);
    co_await wake_.async_wait(use_tuple);
  }
  if (--loops_ == 0 && running_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
}

asio::awaitable<void> service::attempt(std::string conv) {
  auto& q = queues_[conv];
  job& j = q.front();
  if (!j.decided && !stopping_) co_await send(j);
  if (j.decided) {
    if (co_await record(j)) {
      known_.erase(j.stream + " " + j.entry);
      count_done(j);
      q.pop_front();
      if (q.empty()) queues_.erase(conv);
      else due(conv, steady::now());
    } else {
      due(conv, steady::now() + milliseconds(1000));  // Redis failing: record it again soon
    }
  }
  running_.erase(conv);
  wake_.cancel();
  if (stopping_ && loops_ == 0 && running_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
}

void service::settle(job& j, const channels::send_answer& answer, std::size_t parts) {
  const auto fail = [&j](std::string why) {
    j.decided = true;
    j.sent = false;
    j.reason = std::move(why);
  };
  switch (answer.what) {
    case channels::send_answer::verdict::sent:
      j.part_ids.push_back(answer.provider_message_id);
      if (++j.parts_sent < parts) {  // the next part, at once (each part has its own attempts)
        j.attempts = 0;
        due(j.conversation, steady::now());
        break;
      }
      j.decided = true;
      j.sent = true;
      j.provider_message_id = answer.provider_message_id;
      break;
    case channels::send_answer::verdict::rejected: fail(answer.reason); break;
    case channels::send_answer::verdict::retry: {
      if (j.attempts >= send_attempts_) return fail("gave up after " + std::to_string(j.attempts) + " attempts: " + answer.reason);
      metrics_
          .counter_of("switchboard_outbox_retries_total", "Sends that failed for now and will be tried again, by channel.",
                      metrics::labels({{"channel", j.channel}}))
          .add();
      const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
      due(j.conversation, steady::now() + retry_delay(j.attempts, max_delay_, unit, milliseconds(answer.retry_after_ms)));
      log_info({.conversation = j.conversation}, "outbox: seq {} not sent yet ({}); attempt {} of {}", j.seq, answer.reason,
               j.attempts, send_attempts_);
      break;
    }
  }
}

asio::awaitable<void> service::send(job& j) {
  const auto fail = [&](std::string why) { settle(j, channels::send_answer{channels::send_answer::verdict::rejected, {}, std::move(why), 0}, 1); };
  const auto retry = [&](std::string why) { settle(j, channels::send_answer{channels::send_answer::verdict::retry, {}, std::move(why), 0}, 1); };
  auto [ec, where] = co_await writer_.async_exec(
      store::cmd("HMGET", keys_.conversation(j.conversation), "addr:" + j.channel, "acct:" + j.channel), use_tuple);
  if (ec || where.elements.size() != 2) co_return retry("storage: " + ec.message());
  const std::string address = where.elements[0].str;
  const std::string account = where.elements[1].str;
  if (address.empty()) co_return fail("the customer has no " + j.channel + " address in this conversation");
  j.address = address;
  if (j.channel == "email") {  // to the mail relay (mail_sender.hpp), one SMTP conversation
    ++j.attempts;
    co_return settle(j, co_await mail_.send(j.conversation, j.seq, address, account), 1);
  }
  auto acct = accounts_.find(account);
  if (acct == accounts_.end() || !sends_on(acct->second.config.provider(), j.channel)) {
    co_return fail("no account '" + account + "' sends on " + j.channel + " (channels.accounts)");
  }
  auto events = co_await timeline_.read_conversation(j.conversation, j.seq - 1, 1);
  if (!events) co_return retry("storage: " + events.error().message());
  if (events->empty() || events->front().seq() != j.seq || !events->front().has_message()) {
    co_return fail("the reply is not in the conversation");
  }
  std::string error;
  const auto calls = channels::send_calls(acct->second.config, events->front().message().channel(), address,
                                          events->front().message(), public_url_, error);
  if (calls.empty()) co_return fail(error);
  if (j.parts_sent >= calls.size()) co_return fail("the reply's parts changed");
  const auto& call = calls[j.parts_sent];
  const auto slot = acct->second.pace.take(steady::now());
  if (slot > steady::now()) co_await sleep_for(std::chrono::duration_cast<milliseconds>(slot - steady::now()));
  ++j.attempts;
  const auto reply = co_await https_.send(net::request_of(call));
  settle(j, channels::read_answer(acct->second.config.provider(), reply.status, reply.status ? reply.body : reply.error, reply.retry_after),
         calls.size());
}

// The delivery event, the dead letter of a failure, then the acknowledgement: each step may be
// repeated safely (the event is deduplicated by its key).
asio::awaitable<bool> service::record(job& j) {
  const auto channel = store::channel_from_name(j.channel).value_or(v1::CHANNEL_UNSPECIFIED);
  store::sent_reply reply;
  reply.conversation_id = j.conversation;
  reply.customer_id = j.customer;
  reply.seq = j.seq;
  for (const auto& id : j.part_ids) {
    // First, so that the provider's statuses find it (a status may come before the event).
    if (!id.empty() && !co_await deliveries_.remember(channel, id, reply)) co_return false;
  }
  if (j.sent && (channel == v1::CHANNEL_MESSENGER || channel == v1::CHANNEL_INSTAGRAM)) {
    // Their read receipts are a watermark (a time), not message ids.
    if (!co_await deliveries_.remember_unread(channel, j.address, reply, clk_.unix_ms())) co_return false;
  }
  v1::Delivery d;
  d.set_state(j.sent ? v1::Delivery::SENT : v1::Delivery::FAILED);
  d.set_channel(channel);
  d.set_provider_message_id(j.provider_message_id);
  d.set_reason(j.reason);
  d.set_attempts(j.attempts);
  auto r = co_await timeline_.append(store::delivery_append(reply, std::move(d), "outbox", j.entry));
  // not_found: the conversation is gone; wrong_state: a provider's status came first.
  if (!r && r.error() != errc::not_found && r.error() != errc::wrong_state) co_return false;
  if (!j.sent) {
    log_warn({.conversation = j.conversation}, "outbox: seq {} failed: {}", j.seq, j.reason);
    store::dead_letter letter;
    letter.conversation_id = j.conversation;
    letter.seq = j.seq;
    letter.customer_id = j.customer;
    letter.channel = j.channel;
    letter.failed_at_ms = clk_.unix_ms();
    letter.attempts = j.attempts;
    letter.reason = j.reason;
    if (!co_await dead_.add(std::move(letter))) co_return false;
  }
  auto [ec, a] = co_await writer_.async_exec(store::cmd("XACK", j.stream, kGroup, j.entry), use_tuple);
  co_return !ec;
}

}  // namespace switchboard::outbox
