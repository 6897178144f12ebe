#include "store/sentinel_lookup.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include <charconv>
#include <memory>

#include "store/redis_client.hpp"

namespace switchboard::store {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

class asking : public std::enable_shared_from_this<asking> {
 public:
  using handler = std::function<void(error_code, redis_endpoint, std::size_t)>;
  asking(asio::any_io_executor ex, const redis_options& o, const clock& clk, std::size_t first, handler done)
      : ex_(std::move(ex)), opts_(o), clock_(clk), at_(first % o.sentinels.size()), timer_(ex_), done_(std::move(done)) {}

  void step() {
    if (tried_ == opts_.sentinels.size()) return finish(errc::not_connected, {});
    const auto& s = opts_.sentinels[at_];
    redis_options o;
    o.host = s.host;
    o.port = s.port;
    o.password = opts_.sentinel_password;
    o.command_timeout = opts_.command_timeout;
    o.connect_timeout = opts_.connect_timeout;
    o.metrics = opts_.metrics;
    client_ = std::make_unique<redis_client>(ex_, o, clock_, "sentinel");
    client_->link().on_state_change([self = shared_from_this()](redis_link::state st, error_code) {
      if (st == redis_link::state::ready) self->query();
    });
    client_->start();
    timer_.expires_after(opts_.connect_timeout + opts_.command_timeout);
    timer_.async_wait([self = shared_from_this(), turn = tried_](error_code ec) {
      if (ec || self->finished_ || self->tried_ != turn) return;
      spdlog::debug("redis sentinel {}:{} did not answer in time", self->opts_.sentinels[self->at_].host,
                    self->opts_.sentinels[self->at_].port);
      self->next();
    });
  }

 private:
  void query() {
    std::array<std::string_view, 3> ask{"SENTINEL", "get-master-addr-by-name", opts_.master_name};
    client_->exec(ask, [self = shared_from_this(), turn = tried_](error_code ec, reply r) {
      if (self->finished_ || self->tried_ != turn) return;
      redis_endpoint at;
      if (!ec && r.is_array() && r.elements.size() == 2) {
        at.host = r.elements[0].str;
        const auto& p = r.elements[1].str;
        std::from_chars(p.data(), p.data() + p.size(), at.port);
      }
      if (at.host.empty() || at.port <= 0) {
        spdlog::warn("redis sentinel {}:{} does not name a primary for '{}'{}", self->opts_.sentinels[self->at_].host,
                     self->opts_.sentinels[self->at_].port, self->opts_.master_name, r.is_error() ? ": " + r.str : "");
        return self->next();
      }
      self->finish({}, std::move(at));
    });
  }

  void next() {
    retire();
    ++tried_;
    at_ = (at_ + 1) % opts_.sentinels.size();
    step();
  }

  void finish(error_code ec, redis_endpoint at) {
    finished_ = true;
    timer_.cancel();
    retire();
    if (auto done = std::move(done_)) done(ec, std::move(at), at_);
  }

  // The connection goes after the callback that got here has returned (it may be its own).
  void retire() {
    if (!client_) return;
    client_->link().on_state_change(nullptr);
    asio::post(ex_, [c = std::move(client_)]() mutable { c.reset(); });
  }

  asio::any_io_executor ex_;
  const redis_options opts_;
  const clock& clock_;
  std::size_t at_;
  std::size_t tried_ = 0;
  bool finished_ = false;
  asio::steady_timer timer_;
  std::unique_ptr<redis_client> client_;
  handler done_;
};

}  // namespace

void ask_sentinels(asio::any_io_executor ex, const redis_options& o, const clock& clk, std::size_t first,
                   std::function<void(error_code, redis_endpoint, std::size_t)> done) {
  if (o.sentinels.empty()) {
    asio::post(ex, [done = std::move(done)] { done(errc::not_connected, {}, 0); });
    return;
  }
  std::make_shared<asking>(ex, o, clk, first, std::move(done))->step();
}

}  // namespace switchboard::store
