-- A conversation's events after a sequence number, in one round trip: the index stream maps
-- 0-<seq> to the timeline entry id; each entry is read from the customer's timeline. The index and
-- timeline keys are derived here; they carry the conversation's hash tag, so they share its slot.
-- KEYS: 1 conversation hash
-- ARGV: 1 after seq, 2 max count, 3 timeline key prefix of the group ("<p>:{g<k>}:tl:")
-- Returns timeline entries as XRANGE does: {{id, {field, value, ...}}, ...}
-- Errors: NOCONV (no such conversation).
local customer = redis.call('HGET', KEYS[1], 'customer_id')
if not customer then return redis.error_reply('NOCONV conversation not found') end
local timeline = ARGV[3] .. customer
local ix = redis.call('XRANGE', KEYS[1] .. ':ix', '(0-' .. ARGV[1], '+', 'COUNT', ARGV[2])
local out = {}
for _, e in ipairs(ix) do
  local sid = e[2][2]
  local r = redis.call('XRANGE', timeline, sid, sid)
  if r[1] then out[#out + 1] = r[1] end
end
return out
