#include "conversation/context.hpp"

namespace switchboard::conversation {

context::context(store::timeline_repository& t, store::identity_repository& i, store::agent_repository& a,
                 const live_config& l)
    : timeline(t),
      identities(i),
      agents(a),
      live(l),
      whatsapp_templates(l.current().config.channels().whatsapp_templates().begin(),
                         l.current().config.channels().whatsapp_templates().end()) {}

const v1::Queue* context::queue(const std::string& name) const {
  for (const auto& q : queues()) {
    if (q.name() == name) return &q;
  }
  return nullptr;
}

const v1::Queue& context::queue_for_topic(const std::string& topic) const {
  const auto* q = queue(topic);
  return q ? *q : queues().front();
}

}  // namespace switchboard::conversation
