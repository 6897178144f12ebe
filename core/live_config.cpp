#include "core/live_config.hpp"

#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "core/config.hpp"

namespace switchboard {

namespace {

namespace pb = google::protobuf;

// The top-level keys a reload replaces.
constexpr std::array<std::string_view, 3> kReloadable = {"queues", "agents", "canned_replies"};

std::unique_ptr<const live_version> make_version(const v1::Config& cfg, std::uint64_t number) {
  auto v = std::make_unique<live_version>();
  v->config = cfg;
  v->queues.assign(cfg.queues().begin(), cfg.queues().end());
  if (v->queues.empty()) v->queues.emplace_back().set_name("default");
  v->number = number;
  return v;
}

// `c` with only its field `keep` set.
v1::Config only(const v1::Config& c, const pb::FieldDescriptor* keep) {
  v1::Config out = c;
  const auto* d = out.GetDescriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    if (d->field(i) != keep) out.GetReflection()->ClearField(&out, d->field(i));
  }
  return out;
}

}  // namespace

live_config::live_config(const v1::Config& cfg) {
  versions_.push_back(make_version(cfg, 1));
  current_.store(versions_.back().get(), std::memory_order_release);
}

const live_version& live_config::replace(const v1::Config& cfg) {
  std::lock_guard lock(mu_);
  versions_.push_back(make_version(cfg, versions_.back()->number + 1));
  const live_version& now = *versions_.back();
  current_.store(&now, std::memory_order_release);
  for (const auto& l : listeners_) l(now);
  return now;
}

void live_config::on_replace(std::function<void(const live_version&)> listener) {
  std::lock_guard lock(mu_);
  listeners_.push_back(std::move(listener));
}

reload_plan plan_reload(const v1::Config& running, const v1::Config& fresh) {
  reload_plan plan{running, {}};
  const auto* d = v1::Config::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* f = d->field(i);
    const bool reloadable = std::find(kReloadable.begin(), kReloadable.end(), f->name()) != kReloadable.end();
    if (reloadable) continue;
    if (f->name() == "log") {
      plan.next.mutable_log()->set_level(fresh.log().level());
      if (fresh.log().format() != running.log().format()) plan.need_restart.push_back("log.format");
      continue;
    }
    if (!pb::util::MessageDifferencer::Equals(only(running, f), only(fresh, f))) plan.need_restart.push_back(f->name());
  }
  *plan.next.mutable_queues() = fresh.queues();
  *plan.next.mutable_agents() = fresh.agents();
  *plan.next.mutable_canned_replies() = fresh.canned_replies();
  validate_config(plan.next);
  return plan;
}

}  // namespace switchboard
