#include "store/group_streams.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "store/pipeline.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

group_streams::group_streams(redis_client& redis, const clock& clk, std::vector<std::string> streams, options o,
                             std::string name)
    : redis_(redis),
      clock_(clk),
      streams_(std::move(streams)),
      opts_(std::move(o)),
      rung_(streams_.size(), 0),
      wake_(redis.get_executor()),
      bells_(redis.get_executor(), redis.options(), clk, std::move(name)) {
  for (std::size_t i = 0; i < streams_.size(); ++i) index_.emplace(bell_of(streams_[i]), i);
}

void group_streams::start() {
  for (const auto& [bell, i] : index_) {
    bells_.subscribe(bell, [this](std::string_view channel, std::string_view) {
      auto it = index_.find(std::string(channel));
      if (it == index_.end()) return;
      rung_[it->second] = 1;
      wake_.cancel();
    });
  }
  // Bells rung while the connection was down are lost: read everything again.
  bells_.on_resubscribed([this] { ring_all(); });
  bells_.start();
}

void group_streams::stop() {
  bells_.stop();
  wake_.cancel();
}

void group_streams::ring_all() {
  all_rung_ = true;
  wake_.cancel();
}

bool group_streams::any_rung() const {
  return all_rung_ || std::find(rung_.begin(), rung_.end(), 1) != rung_.end();
}

std::vector<std::size_t> group_streams::take_rung() {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    if (all_rung_ || rung_[i]) out.push_back(i);
    rung_[i] = 0;  // a bell from now on rings for the next read
  }
  all_rung_ = false;
  return out;
}

asio::awaitable<std::pair<error_code, reply>> group_streams::read(std::chrono::milliseconds block) {
  auto now = clock_.steady();
  if (!any_rung() && now < next_sweep_) {
    wake_.expires_after(std::min<std::chrono::steady_clock::duration>(block, next_sweep_ - now));
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    now = clock_.steady();
  }
  if (now >= next_sweep_) {
    all_rung_ = true;
    next_sweep_ = now + opts_.sweep;
  }
  const std::vector<std::size_t> due = take_rung();
  if (due.empty()) co_return std::pair<error_code, reply>{};
  std::vector<std::vector<std::string>> reads;
  reads.reserve(due.size());
  const std::string count = std::to_string(opts_.count);
  for (std::size_t i : due) {
    reads.push_back(cmd("XREADGROUP", "GROUP", opts_.group, opts_.consumer, "COUNT", count, "STREAMS", streams_[i], ">"));
  }
  auto replies = co_await pipelined(redis_, opts_.window, reads);
  if (!replies) {
    for (std::size_t i : due) rung_[i] = 1;
    co_return std::pair<error_code, reply>{replies.error(), reply{}};
  }
  reply out;
  for (std::size_t k = 0; k < due.size(); ++k) {
    reply& r = (*replies)[k];
    if (r.is_error()) {
      for (std::size_t i : due) rung_[i] = 1;
      co_return std::pair<error_code, reply>{errc::server_error, std::move(r)};
    }
    if (!r.is_array()) continue;  // nothing new: nil
    for (auto& per_stream : r.elements) {
      // A full read may have left more behind: read it again at once.
      if (per_stream.elements.size() == 2 && per_stream.elements[1].elements.size() >= opts_.count) rung_[due[k]] = 1;
      out.elements.push_back(std::move(per_stream));
    }
  }
  if (!out.elements.empty()) out.type = reply::kind::array;
  co_return std::pair<error_code, reply>{error_code{}, std::move(out)};
}

}  // namespace switchboard::store
