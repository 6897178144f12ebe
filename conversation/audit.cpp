#include "conversation/audit.hpp"

#include <chrono>

namespace switchboard::conversation {

boost::json::object audit_record(const principal& who, std::string_view what, std::string_view why,
                                 const v1::Conversation& conv) {
  return boost::json::object{
      {"who", who.subject},
      {"role", who.who == role::admin ? "admin" : "lead"},
      {"what", what},
      {"why", why},
      {"conversation", conv.id()},
      {"owner", conv.owner_id()},
      {"at", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                 .count()}};
}

}  // namespace switchboard::conversation
