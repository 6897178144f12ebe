-- What a new router leader needs of one shard group to rebuild its engine: every unresolved
-- conversation as a routing note of kind 'snapshot', in the flat {name, value, ...} form the
-- append script writes to the request stream (store/routing_notes.cpp decodes both). One round
-- trip per group.
-- KEYS: 1 the group's index of unresolved conversations
-- ARGV: 1 the group's conversation key prefix "<p>:{g<k>}:cv:"
local names = {'cu', 'st', 'q', 'ch', 'p', 't', 'o', 'oa', 'oe', 'pa', 'lo', 'pv', 'ca', 'sk', 'sq', 'ex', 'aw', 'gn'}
local out = {}
local ids = redis.call('HKEYS', KEYS[1])
for _, cid in ipairs(ids) do
  local f = redis.call('HMGET', ARGV[1] .. cid, 'customer_id', 'state', 'queue', 'channel', 'priority', 'team',
                       'owner_id', 'offer_agent', 'offer_expires_at_ms', 'preferred_agent', 'last_owner', 'preview',
                       'created_at_ms', 'skills', 'last_seq', 'excluded', 'awaiting_reply_since_ms',
                       'customer_gone_at_ms')
  if f[2] then
    local row = {'c', cid, 'k', 'snapshot'}
    for i = 1, #names do
      row[#row + 1] = names[i]
      row[#row + 1] = f[i] or ''
    end
    out[#out + 1] = row
  else
    redis.call('HDEL', KEYS[1], cid)
  end
end
return out
