#pragma once
// What the conversation layer's parts share: the store's repositories and the config in force
// (queues and agent profiles, which SIGHUP may replace: core/live_config.hpp).
// Not thread-safe: the repositories run on the Redis client's executor, and so does the layer.

#include <string>
#include <vector>

#include "core/live_config.hpp"
#include "proto/config.pb.h"
#include "store/agents.hpp"
#include "store/identities.hpp"
#include "store/timeline.hpp"

namespace switchboard::conversation {

struct context {
  context(store::timeline_repository& t, store::identity_repository& i, store::agent_repository& a,
          const live_config& live);

  store::timeline_repository& timeline;
  store::identity_repository& identities;
  store::agent_repository& agents;
  const live_config& live;

  // The queues in force: never empty (one "default" queue when none is configured). A reference
  // stays valid for the life of the process, across a reload.
  const std::vector<v1::Queue>& queues() const { return live.current().queues; }
  // The config's agent profiles (an agent's first desk).
  const google::protobuf::RepeatedPtrField<v1::Agent>& configured_agents() const { return live.current().config.agents(); }
  std::vector<v1::WhatsAppTemplate> whatsapp_templates;  // channels.whatsapp_templates (a restart changes them)

  const v1::Queue* queue(const std::string& name) const;
  // The queue a conversation opened with `topic` goes to: the queue of that name, else the first.
  const v1::Queue& queue_for_topic(const std::string& topic) const;
};

}  // namespace switchboard::conversation
