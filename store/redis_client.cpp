#include "store/redis_client.hpp"

#include <spdlog/spdlog.h>

#include <array>

namespace switchboard::store {

using boost::system::error_code;

class redis_client::impl final : public redis_link {
 public:
  using redis_link::redis_link;
  using redis_link::send;

  std::vector<redis_script> scripts;
  const redis_options& options() const { return opts_; }

 protected:
  void on_handshake() override {
    // SCRIPT LOAD every script; a refusal (e.g. scripting disabled) drops the connection.
    for (const auto& s : scripts) {
      std::array<std::string_view, 3> load{"SCRIPT", "LOAD", s.body};
      send(load, [this, name = s.name](error_code ec, reply r) {
        if (!ec) return;
        spdlog::error("redis link={} could not load script {}: {}", name_, name, r.str.empty() ? ec.message() : r.str);
        drop(errc::server_error);
      }, true);
    }
    handshake_done();
  }
};

redis_client::redis_client(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name)
    : impl_(std::make_shared<impl>(std::move(ex), std::move(opts), clk, std::move(name))) {}

redis_client::~redis_client() { impl_->stop(); }

void redis_client::add_script(const redis_script& s) { impl_->scripts.push_back(s); }
void redis_client::start() { impl_->start(); }
void redis_client::stop() { impl_->stop(); }
bool redis_client::ready() const noexcept { return impl_->ready(); }
redis_link& redis_client::link() noexcept { return *impl_; }
int redis_client::wait_replicas() const noexcept { return impl_->options().wait_replicas; }
std::chrono::milliseconds redis_client::wait_timeout() const noexcept { return impl_->options().wait_timeout; }

void redis_client::exec(std::span<const std::string_view> args, reply_handler h) {
  impl_->send(args, std::move(h));
}

void redis_client::eval(const redis_script& s, std::span<const std::string_view> keys,
                        std::span<const std::string_view> args, reply_handler h) {
  std::vector<std::string> k(keys.begin(), keys.end()), a(args.begin(), args.end());
  eval(s, std::move(k), std::move(a), std::move(h));
}

void redis_client::eval(const redis_script& s, std::vector<std::string>&& keys, std::vector<std::string>&& args,
                        reply_handler h) {
  auto argv = std::make_shared<std::vector<std::string>>();
  argv->reserve(3 + keys.size() + args.size());
  argv->emplace_back("EVALSHA");
  argv->emplace_back(s.sha1);
  argv->emplace_back(std::to_string(keys.size()));
  for (auto& k : keys) argv->push_back(std::move(k));
  for (auto& a : args) argv->push_back(std::move(a));
  eval_argv(s, std::move(argv), std::move(h));
}

void redis_client::eval_argv(const redis_script& s, std::shared_ptr<std::vector<std::string>> argv, reply_handler h) {
  // The argv stays alive in the closure for the NOSCRIPT path, which re-sends it with EVAL and the
  // body (loading the script into the cache again).
  std::array<std::string_view, 64> small;
  std::vector<std::string_view> big;
  std::span<const std::string_view> views;
  if (argv->size() <= small.size()) {
    std::copy(argv->begin(), argv->end(), small.begin());
    views = std::span<const std::string_view>(small.data(), argv->size());
  } else {
    big.assign(argv->begin(), argv->end());
    views = big;
  }
  std::weak_ptr<impl> weak = impl_;
  impl_->send(views, [weak, argv, body = &s.body, h = std::move(h)](error_code ec, reply r) mutable {
    auto self = weak.lock();
    if (!self || ec != errc::server_error || r.error_code() != "NOSCRIPT") {
      h(ec, std::move(r));
      return;
    }
    (*argv)[0] = "EVAL";
    (*argv)[1] = *body;
    std::vector<std::string_view> again(argv->begin(), argv->end());
    self->send(again, std::move(h));
  });
}

}  // namespace switchboard::store
