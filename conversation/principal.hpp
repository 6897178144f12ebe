#pragma once
// Who acts: a customer, an agent, a lead or an admin, from their token or sign-in session (or, for
// a channel without tokens, from the channel address the adapter checked). Plain data.

#include <cstdint>
#include <string>
#include <vector>

namespace switchboard {

enum class role { customer, agent, lead, admin };

struct principal {
  role who = role::customer;
  std::string subject;             // visitor id or agent id (the token's sub)
  std::vector<std::string> teams;  // for staff
  std::int64_t expires_at_s = 0;   // Unix seconds (the token's exp plus the leeway); 0: never
  std::string web_session;         // a signed-in person's session (its hash); empty for a token
  std::string display_name;        // a signed-in person's name ("Ana"); empty for a token
};

}  // namespace switchboard
