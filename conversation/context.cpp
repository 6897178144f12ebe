#include "conversation/context.hpp"

namespace switchboard::conversation {

context::context(store::timeline_repository& t, store::identity_repository& i, store::agent_repository& a,
                 const v1::Config& cfg)
    : timeline(t),
      identities(i),
      agents(a),
      queues(cfg.queues().begin(), cfg.queues().end()),
      configured_agents(cfg.agents().begin(), cfg.agents().end()),
      whatsapp_templates(cfg.channels().whatsapp_templates().begin(), cfg.channels().whatsapp_templates().end()) {
  if (queues.empty()) queues.emplace_back().set_name("default");
}

const v1::Queue* context::queue(const std::string& name) const {
  for (const auto& q : queues) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

const v1::Queue& context::queue_for_topic(const std::string& topic) const {
  const auto* q = queue(topic);
  return q ? *q : queues.front();
}

}  // namespace switchboard::conversation
