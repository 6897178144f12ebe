#include "store/redis_client.hpp"

#include "store/cluster_slots.hpp"
#include "store/redis_cluster.hpp"
#include "store/script_link.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <cstdlib>
#include <stdexcept>

namespace switchboard::store {

using boost::system::error_code;

void script_link::on_handshake() {
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

redis_client::redis_client(boost::asio::any_io_executor ex, redis_options opts, const clock& clk, std::string name)
    : opts_(opts) {
  if (opts.cluster_seeds.empty()) {
    single_ = std::make_shared<script_link>(std::move(ex), std::move(opts), clk, std::move(name));
  } else {
    cluster_ = std::make_shared<redis_cluster>(std::move(ex), std::move(opts), clk, std::move(name));
  }
}

redis_client::~redis_client() { stop(); }

void redis_client::add_script(const redis_script& s) {
  if (cluster_) return cluster_->add_script(s);
  single_->scripts.push_back(s);
}
void redis_client::start() {
  if (cluster_) return cluster_->start();
  single_->start();
}
void redis_client::stop() {
  if (cluster_) return cluster_->stop();
  single_->stop();
}
bool redis_client::ready() const noexcept { return cluster_ ? cluster_->ready() : single_->ready(); }
int redis_client::wait_replicas() const noexcept { return opts_.wait_replicas; }
std::chrono::milliseconds redis_client::wait_timeout() const noexcept { return opts_.wait_timeout; }

redis_link& redis_client::link() {
  if (cluster_) throw std::logic_error("redis_client::link(): a Cluster has a connection per primary");
  return *single_;
}

void redis_client::on_state_change(redis_link::state_handler h) {
  if (cluster_) return cluster_->on_state_change(std::move(h));
  single_->on_state_change(std::move(h));
}

std::string redis_client::address() const { return cluster_ ? cluster_->address() : single_->address(); }

std::vector<redis_endpoint> redis_client::primaries() const {
  if (cluster_) return cluster_->primaries();
  redis_endpoint ep;
  const std::string at = single_->address();
  const auto colon = at.rfind(':');
  if (colon == std::string::npos) return {};
  ep.host = at.substr(0, colon);
  ep.port = std::atoi(at.c_str() + colon + 1);
  return {ep};
}

const boost::asio::any_io_executor& redis_client::get_executor() const noexcept {
  return cluster_ ? cluster_->get_executor() : single_->get_executor();
}

void redis_client::send(std::span<const std::string_view> args, std::optional<int> slot, reply_handler h) {
  if (!cluster_) return single_->send(args, std::move(h));
  auto argv = std::make_shared<const std::vector<std::string>>(args.begin(), args.end());
  cluster_->send(std::move(argv), slot, std::move(h));
}

void redis_client::exec(std::span<const std::string_view> args, reply_handler h) {
  std::optional<int> slot;
  if (cluster_) {
    if (auto key = routing_key(args)) slot = key_slot(*key);
  }
  send(args, slot, std::move(h));
}

void redis_client::exec_near(std::string_view key, std::span<const std::string_view> args, reply_handler h) {
  send(args, cluster_ ? std::optional<int>(key_slot(key)) : std::nullopt, std::move(h));
}

void redis_client::exec_at(const redis_endpoint& server, std::vector<std::string> args, reply_handler h) {
  if (cluster_) return cluster_->send_at(server, std::make_shared<const std::vector<std::string>>(std::move(args)), std::move(h));
  std::vector<std::string_view> views(args.begin(), args.end());
  single_->send(views, std::move(h));
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
  std::optional<int> slot;
  if (cluster_ && argv->size() > 3 && (*argv)[2] != "0") slot = key_slot((*argv)[3]);
  // Callbacks may outlive the client: the NOSCRIPT path holds whichever connection serves it weakly.
  std::weak_ptr<script_link> single = single_;
  std::weak_ptr<redis_cluster> cluster = cluster_;
  send(views, slot, [single, cluster, slot, argv, body = &s.body, h = std::move(h)](error_code ec, reply r) mutable {
    auto one = single.lock();
    auto many = cluster.lock();
    if ((!one && !many) || ec != errc::server_error || r.error_code() != "NOSCRIPT") {
      h(ec, std::move(r));
      return;
    }
    (*argv)[0] = "EVAL";
    (*argv)[1] = *body;
    if (many) return many->send(argv, slot, std::move(h));
    std::vector<std::string_view> again(argv->begin(), argv->end());
    one->send(again, std::move(h));
  });
}

}  // namespace switchboard::store
