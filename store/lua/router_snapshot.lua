-- What a new router leader needs of one shard group to rebuild its engine: every unresolved
-- conversation with its routing fields. One round trip per group (store/routing_state.hpp).
-- KEYS: 1 the group's index of unresolved conversations
-- ARGV: 1 the group's conversation key prefix "<p>:{g<k>}:cv:"
-- Returns {{id, customer_id, state, queue, channel, priority, team, owner_id, offer_agent,
--           offer_expires_at_ms, preferred_agent, last_owner, preview, created_at_ms, skills, last_seq,
--           excluded, awaiting_reply_since_ms, customer_gone_at_ms}, ...}
local out = {}
local ids = redis.call('HKEYS', KEYS[1])
for _, cid in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[1] .. cid, 'customer_id', 'state', 'queue', 'channel', 'priority', 'team',
                       'owner_id', 'offer_agent', 'offer_expires_at_ms', 'preferred_agent', 'last_owner', 'preview',
                       'created_at_ms', 'skills', 'last_seq', 'excluded', 'awaiting_reply_since_ms',
                       'customer_gone_at_ms')
  if f[2] then
    local row = {cid}
    for i = 1, 18 do row[i + 1] = f[i] or '' end
    out[#out + 1] = row
  else
    redis.call('HDEL', KEYS[1], cid)
  end
end
return out
