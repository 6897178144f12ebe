#pragma once
// The schema's defaults (proto/options.proto, `default_value`): the one place every default of
// the config and of a queue's policy is defined, applied by walking the descriptors. Pure; only
// protobuf (the routing engine uses it too).

#include <google/protobuf/message.h>

#include "proto/routing.pb.h"

namespace switchboard {

// Sets every field of `m` (and of its sub-messages, which it creates, and of its repeated
// messages) that has a default and holds its zero value ("", 0, false) to that default.
void apply_defaults(google::protobuf::Message& m);

// The queue with its policy's defaults applied (0 in a policy means "the default").
v1::Queue with_defaults(v1::Queue q);

}  // namespace switchboard
