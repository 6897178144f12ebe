#pragma once
// A token bucket: `rate` tokens a second, up to `burst` saved; and token buckets by key (a client
// address), bounded in number. Pure: time is a parameter. Not thread-safe (one per connection; the
// per-user and per-address ones are guarded by their owner).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

namespace switchboard::gateway {

class token_bucket {
 public:
  token_bucket(double rate_per_second, double burst) : rate_(rate_per_second), burst_(burst), tokens_(burst) {}

  // Takes one token if there is one.
  bool take(std::chrono::steady_clock::time_point now) {
    if (started_) {
      const double seconds = std::chrono::duration<double>(now - last_).count();
      tokens_ = std::min(burst_, tokens_ + std::max(0.0, seconds) * rate_);
    }
    started_ = true;
    last_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  // How long until take() can succeed again, as of the last take() (0 if it can now).
  std::chrono::milliseconds wait() const {
    if (tokens_ >= 1.0 || rate_ <= 0) return std::chrono::milliseconds(0);
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil((1.0 - tokens_) / rate_ * 1000.0)));
  }

 private:
  double rate_, burst_, tokens_;
  bool started_ = false;
  std::chrono::steady_clock::time_point last_{};
};

// A token bucket per key, each `rate` tokens a second up to `burst`, for a limit per client
// address. Bounded, so that requests from ever new addresses cannot grow it: a bucket left alone
// until it is full again (burst / rate) is the same as none and is dropped; and no more than
// `max_keys` are kept — past that the least recently used goes even if it is not full (that key
// starts again with a full burst: an attack from more addresses than that within burst / rate
// makes the limit forget its oldest, never the process run out of memory). Each take() costs
// O(1) amortised.
class keyed_token_buckets {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  struct verdict {
    bool ok = false;
    std::chrono::milliseconds retry_after{0};  // refused: until the key's next token (> 0)
  };

  keyed_token_buckets(double rate_per_second, double burst, std::size_t max_keys)
      : rate_(rate_per_second), burst_(burst), max_keys_(std::max<std::size_t>(1, max_keys)) {}

  // Takes one token from the key's bucket if it has one.
  verdict take(std::string_view key, time_point now) {
    drop_full(now);
    auto it = index_.find(key);
    if (it != index_.end()) {
      used_.splice(used_.begin(), used_, it->second);  // now the most recently used
    } else {
      if (index_.size() >= max_keys_) {
        index_.erase(used_.back().key);
        used_.pop_back();
      }
      used_.push_front(entry{std::string(key), token_bucket(rate_, burst_), now});
      index_.emplace(used_.front().key, used_.begin());  // the view lives in the list's node
    }
    auto& e = used_.front();
    e.last = now;
    verdict v;
    v.ok = e.bucket.take(now);
    if (!v.ok) v.retry_after = std::max(std::chrono::milliseconds(1), e.bucket.wait());
    return v;
  }

  // Keys with a bucket kept.
  std::size_t size() const { return index_.size(); }

 private:
  struct entry {
    std::string key;
    token_bucket bucket;
    time_point last;  // its last take()
  };

  // Buckets untouched since they would have filled up again, least recently used first.
  void drop_full(time_point now) {
    if (rate_ <= 0) return;  // they never fill: only max_keys bounds them
    const auto refill = std::chrono::duration<double>(burst_ / rate_);
    while (!used_.empty() && now - used_.back().last >= refill) {
      index_.erase(used_.back().key);
      used_.pop_back();
    }
  }

  double rate_, burst_;
  std::size_t max_keys_;
  std::list<entry> used_;  // most recently used first
  std::unordered_map<std::string_view, std::list<entry>::iterator> index_;  // keys: views of used_'s
};

}  // namespace switchboard::gateway
