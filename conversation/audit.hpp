#pragma once
// The audit record of a lead's (or admin's) action: who, role, what, why, the conversation and its
// owner, when — a JSON object the append script adds to the group's audit stream with the action's
// event (store::field_changes::audit). Pure but for the wall clock it stamps.

#include <boost/json/object.hpp>
#include <string_view>

#include "conversation/principal.hpp"
#include "proto/model.pb.h"

namespace switchboard::conversation {

boost::json::object audit_record(const principal& who, std::string_view what, std::string_view why,
                                 const v1::Conversation& conv);

}  // namespace switchboard::conversation
