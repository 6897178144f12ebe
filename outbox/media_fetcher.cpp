#include "outbox/media_fetcher.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/log.hpp"
#include "media/blob_url.hpp"
#include "outbox/retry_policy.hpp"
#include "store/idempotency.hpp"

namespace switchboard::outbox {

namespace asio = boost::asio;
using std::chrono::milliseconds;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr const char* kGroup = "media";
constexpr int kMaxRedirects = 3;

bool redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

}  // namespace

media_fetcher::media_fetcher(asio::any_io_executor ex, store::redis_client& reader, store::redis_client& writer,
                             const store::key_layout& keys, id_generator& ids, const clock& clk, const v1::Config& cfg,
                             media::blob_store& blobs, fetch_options o)
    : ex_(ex),
      reader_(reader),
      writer_(writer),
      keys_(keys),
      timeline_(writer, keys, ids, clk, cfg.store()),
      blobs_(blobs),
      https_(ex, cfg.channels().ca_file(), o.timeout),
      opts_(std::move(o)),
      secret_(cfg.channels().media().url_secret()),
      max_bytes_(cfg.channels().media().max_bytes()),
      allowed_(media::allowed_types(cfg.channels().media())),
      attempts_(cfg.channels().media().fetch_attempts()),
      max_delay_(cfg.channels().max_retry_delay_ms()),
      slot_(ex),
      random_(std::random_device{}()) {
  for (const auto& a : cfg.channels().accounts()) accounts_.emplace(a.provider() + "/" + a.id(), a);
}

media_fetcher::~media_fetcher() = default;

void media_fetcher::start() {
  reading_ = true;
  asio::co_spawn(ex_, read_loop(), asio::detached);
}

void media_fetcher::stop(std::function<void()> done) {
  asio::post(ex_, [this, done = std::move(done)]() mutable {
    stopping_ = true;
    on_stopped_ = std::move(done);
    slot_.cancel();
    for (auto* t : waiting_) t->cancel();
    finished();
  });
}

void media_fetcher::finished() {
  slot_.cancel();
  if (stopping_ && !reading_ && running_.empty() && on_stopped_) std::exchange(on_stopped_, nullptr)();
}

asio::awaitable<void> media_fetcher::read_loop() {
  asio::steady_timer pause(ex_);
  for (bool grouped = false; !grouped && !stopping_;) {
    auto [ec, r] = co_await writer_.async_exec(store::cmd("XGROUP", "CREATE", keys_.media_jobs(), kGroup, "0", "MKSTREAM"), use_tuple);
    grouped = !ec || r.error_code() == "BUSYGROUP";
    if (!grouped) {
      pause.expires_after(milliseconds(200));  // Redis not reachable yet
      co_await pause.async_wait(use_tuple);
    }
  }
  auto next_claim = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (running_.size() >= opts_.max_in_flight) {  // wait for a free slot
      slot_.expires_after(std::chrono::hours(1));
      co_await slot_.async_wait(use_tuple);
      continue;
    }
    if (std::chrono::steady_clock::now() >= next_claim) {
      co_await claim();
      next_claim = std::chrono::steady_clock::now() + opts_.claim_idle / 2;
      continue;
    }
    const auto free = std::to_string(opts_.max_in_flight - running_.size());
    auto [ec, r] = co_await reader_.async_exec(store::cmd("XREADGROUP", "GROUP", kGroup, opts_.instance, "COUNT", free, "BLOCK",
                                                          std::to_string(opts_.block.count()), "STREAMS", keys_.media_jobs(), ">"),
                                               use_tuple);
    if (ec && r.error_code() == "NOGROUP") {
      co_await writer_.async_exec(store::cmd("XGROUP", "CREATE", keys_.media_jobs(), kGroup, "0", "MKSTREAM"), use_tuple);
    } else if (ec) {
      pause.expires_after(milliseconds(200));
      co_await pause.async_wait(use_tuple);
    }
    if (ec || !r.is_array()) continue;
    for (const auto& per_stream : r.elements) {
      if (per_stream.elements.size() != 2) continue;
      for (const auto& entry : per_stream.elements[1].elements) take(entry);
    }
  }
  reading_ = false;
  finished();
}

// Takes over jobs left pending past claim_idle (a stopped process's, or one whose record failed).
asio::awaitable<void> media_fetcher::claim() {
  const auto count = std::to_string(opts_.max_in_flight - running_.size());
  auto [ec, r] = co_await writer_.async_exec(store::cmd("XAUTOCLAIM", keys_.media_jobs(), kGroup, opts_.instance,
                                                        std::to_string(opts_.claim_idle.count()), "0-0", "COUNT", count),
                                             use_tuple);
  if (ec || !r.is_array() || r.elements.size() < 2) co_return;
  for (const auto& entry : r.elements[1].elements) take(entry);
}

void media_fetcher::take(const store::reply& entry) {
  if (entry.elements.size() != 2 || !entry.elements[1].is_array()) return;
  const std::string& id = entry.elements[0].str;
  if (!running_.insert(id).second) return;  // being fetched here already
  auto job = store::read_media_job(entry.elements[1]);
  if (!job) {
    spdlog::warn("media: job {} is not one; dropped", id);
    running_.erase(id);
    asio::co_spawn(ex_, writer_.async_exec(store::cmd("XACK", keys_.media_jobs(), kGroup, id), use_tuple), asio::detached);
    return;
  }
  asio::co_spawn(ex_, run(id, std::move(*job)), asio::detached);
}

asio::awaitable<void> media_fetcher::run(std::string entry, store::media_job job) {
  fetched f;
  f.error = "not fetched yet";  // stopping before the first attempt leaves the job pending
  f.may_pass = true;
  auto acct = accounts_.find(job.account);
  if (acct == accounts_.end()) {
    f.error = "no account '" + job.account + "' in channels.accounts";
    f.may_pass = false;
  } else {
    asio::steady_timer wait(ex_);
    for (int attempt = 1; !stopping_; ++attempt) {
      f = co_await fetch(acct->second, job);
      if (f.error.empty() || !f.may_pass || attempt >= attempts_ || stopping_) break;
      const double unit = std::uniform_real_distribution<double>(0.0, 1.0)(random_);
      wait.expires_after(retry_delay(attempt, max_delay_, unit, f.asked));
      log_info({.conversation = job.conversation_id}, "media: seq {} attachment {} not fetched yet ({}); attempt {} of {}",
               job.message_seq, job.index, f.error, attempt, attempts_);
      waiting_.insert(&wait);
      co_await wait.async_wait(use_tuple);
      waiting_.erase(&wait);
    }
  }
  // Stopping mid-retry: left pending for the next process. Otherwise recorded, then acknowledged.
  if (!stopping_ || f.error.empty() || !f.may_pass) {
    if (!f.error.empty() && f.may_pass) f.error = "gave up after " + std::to_string(attempts_) + " attempts: " + f.error;
    if (co_await record(job, f)) {
      co_await writer_.async_exec(store::cmd("XACK", keys_.media_jobs(), kGroup, entry), use_tuple);
    }
  }
  running_.erase(entry);
  finished();
}

asio::awaitable<net::https_reply> media_fetcher::get(channels::outgoing_call call) {
  net::https_reply reply;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    auto req = net::request_of(call);
    req.max_body = static_cast<std::size_t>(max_bytes_);
    reply = co_await https_.send(std::move(req));
    if (!redirect(reply.status)) co_return reply;
    call = channels::follow_redirect(call, reply.location);
    if (call.url.empty()) break;
  }
  reply.error = "the provider's redirect was not followed (" + std::to_string(reply.status) + " to '" + reply.location.substr(0, 200) + "')";
  reply.status = 0;
  co_return reply;
}

asio::awaitable<media_fetcher::fetched> media_fetcher::fetch(const v1::ChannelAccount& account, const store::media_job& job) {
  fetched out;
  const auto failed = [this, &out](const net::https_reply& r) {
    out.may_pass = !r.too_large && (r.status == 0 || r.status == 429 || r.status == 408 || r.status >= 500);
    out.asked = milliseconds(std::clamp<long long>(std::atoll(r.retry_after.c_str()), 0, 86'400) * 1000);
    if (r.too_large) out.error = "larger than " + media::size_in_words(max_bytes_) + " (media.max_bytes)";
    else if (r.status == 0) out.error = r.error;
    else out.error = "the provider answered " + std::to_string(r.status);
  };
  std::string error;
  auto step = channels::media_first(account, job.url, error);
  if (step.call.url.empty()) {
    out.error = error;
    co_return out;
  }
  channels::media_meta meta;
  if (step.metadata) {
    auto r = co_await get(step.call);
    if (r.status < 200 || r.status >= 300) {
      failed(r);
      co_return out;
    }
    step = channels::media_download(account, r.body, meta, error);
    if (step.call.url.empty()) {
      out.error = error;
      co_return out;
    }
  }
  if (meta.size > max_bytes_) {
    out.error = "larger than " + media::size_in_words(max_bytes_) + " (media.max_bytes)";
    co_return out;
  }
  auto r = co_await get(step.call);
  if (r.status < 200 || r.status >= 300) {
    failed(r);
    co_return out;
  }
  // The type the webhook named, else the provider's description, else the download's header.
  out.content_type = media::normalise_type(job.content_type);
  if (out.content_type.empty() || out.content_type == "application/octet-stream") {
    out.content_type = media::normalise_type(meta.content_type.empty() ? r.content_type : meta.content_type);
  }
  if (!media::type_allowed(allowed_, out.content_type)) {
    // Not a ?: of string temporaries: GCC 12 destroys those twice in a coroutine.
    std::string named = "unknown";
    if (!out.content_type.empty()) named = out.content_type;
    out.error = "type " + named + " is not allowed (media.allowed_types)";
    co_return out;
  }
  if (r.body.empty()) {
    out.error = "the provider sent an empty file";
    co_return out;
  }
  out.bytes = std::move(r.body);
  co_return out;
}

// The mediaStored event (stored once per message and index, however often the job runs).
asio::awaitable<bool> media_fetcher::record(const store::media_job& job, const fetched& f) {
  store::append_request req;
  req.customer_id = job.customer_id;
  req.conversation_id = job.conversation_id;
  req.mode = store::append_request::target::existing;
  req.idempotency_key = store::idempotency::media_stored(job.conversation_id, job.message_seq, job.index);
  req.event.set_actor("media");
  auto* m = req.event.mutable_media_stored();
  m->set_message_seq(job.message_seq);
  m->set_index(job.index);
  if (f.error.empty()) {
    auto sha = co_await blobs_.put(f.bytes);
    if (!sha) {
      log_error({.conversation = job.conversation_id}, "media: the blob store refused seq {}: {}", job.message_seq,
                sha.error().message());
      co_return false;  // left pending: taken over after claim_idle
    }
    media::blob_ref b;
    b.sha256 = *sha;
    b.content_type = f.content_type;
    b.file_name = media::clean_file_name(job.file_name);
    *m->mutable_attachment() = media::attachment_of(secret_, b, static_cast<std::int64_t>(f.bytes.size()));
  } else {
    log_warn({.conversation = job.conversation_id}, "media: seq {} attachment {} not stored: {}", job.message_seq, job.index,
             f.error);
    m->set_error(f.error);
  }
  auto r = co_await timeline_.append(std::move(req));
  if (!r && r.error() != errc::not_found && r.error() != errc::wrong_state) co_return false;  // not_found: the conversation is gone
  co_return true;
}

}  // namespace switchboard::outbox
