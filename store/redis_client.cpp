#include "store/redis_client.hpp"

#include <spdlog/spdlog.h>

namespace switchboard::store {

using boost::system::error_code;

class redis_client::impl final : public redis_link {
 public:
  using redis_link::redis_link;
  using redis_link::send;

  std::vector<redis_script> scripts;

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

void redis_client::exec(std::span<const std::string_view> args, reply_handler h) {
  impl_->send(args, std::move(h));
}

void redis_client::eval(const redis_script& s, std::span<const std::string_view> keys,
                        std::span<const std::string_view> args, reply_handler h) {
  // argv: EVALSHA sha numkeys keys... args...; kept alive by the retry closure for the NOSCRIPT
  // path, which re-sends the same argv with EVAL and the body.
  auto argv = std::make_shared<std::vector<std::string>>();
  argv->reserve(3 + keys.size() + args.size());
  argv->emplace_back("EVALSHA");
  argv->emplace_back(s.sha1);
  argv->emplace_back(std::to_string(keys.size()));
  for (auto k : keys) argv->emplace_back(k);
  for (auto a : args) argv->emplace_back(a);
  std::vector<std::string_view> views(argv->begin(), argv->end());
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
