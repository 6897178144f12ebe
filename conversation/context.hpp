#pragma once
// What the conversation layer's parts share: the store's repositories and the configured queues.
// Not thread-safe: the repositories run on the Redis client's executor, and so does the layer.

#include <string>
#include <vector>

#include "proto/config.pb.h"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::conversation {

struct context {
  context(store::timeline_repository& t, store::identity_repository& i, store::agent_repository& a,
          const v1::Config& cfg);

  store::timeline_repository& timeline;
  store::identity_repository& identities;
  store::agent_repository& agents;
  std::vector<v1::Queue> queues;             // never empty: one "default" queue when none is configured
  std::vector<v1::Agent> configured_agents;  // profiles of the config (an agent's first desk)
  std::vector<v1::WhatsAppTemplate> whatsapp_templates;  // channels.whatsapp_templates

  const v1::Queue* queue(const std::string& name) const;
  // The queue a conversation opened with `topic` goes to: the queue of that name, else the first.
  const v1::Queue& queue_for_topic(const std::string& topic) const;
};

}  // namespace switchboard::conversation
