#pragma once
// What the desk's writes and the leads' actions append, decided from plain inputs (the frame, who
// sends it, the conversation as stored): the append request with its guard, idempotency key and
// audit record — or the error frame that refuses it. No I/O: desk_actions and lead_actions do the
// reads before (the conversation, a transfer's target, a reviewed draft) and the append after.
// Unit-tested in tests/unit/conversation_plans_test.cpp.

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <vector>

#include "conversation/principal.hpp"
#include "proto/wire.pb.h"
#include "store/append_request.hpp"

namespace switchboard::conversation {

struct desk_plan {
  store::append_request req;
  bool leaves = false;  // the desk stops following the conversation once it is stored
  std::optional<v1::ServerFrame> refused;
};

// addNote, escalate, resolve, transfer (its target already checked: check_target).
desk_plan plan_desk_write(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv,
                          const std::vector<v1::Queue>& queues);

struct lead_plan {
  store::append_request req;
  std::string what, why;             // the audit record's
  boost::json::object audit_extra;   // more of it (a reassign's target, a review's versions)
  bool join = false, leave = false;  // what the lead's desk does with the conversation's live events
  std::optional<v1::ServerFrame> refused;
};

// monitor, whisper, barge, takeOver, setPriority, reassign (its target already checked).
lead_plan plan_lead_action(const principal& p, const v1::ClientFrame& f, const v1::Conversation& conv);
// reviewDraft of the draft `draft` (read at the review's seq): approved or edited, it becomes the
// message itself (the trainee's); rejected, a draftReview event. The first review wins.
void plan_review(const v1::ClientFrame& f, const std::string& me, const std::string& cid, const v1::Message& draft,
                 lead_plan& a);

}  // namespace switchboard::conversation
