-- A conversation's events after a sequence number, in one round trip: the index stream maps
-- 0-<seq> to the timeline entry id; each entry is read from the timeline.
-- KEYS: 1 conversation index stream, 2 timeline stream
-- ARGV: 1 after seq, 2 max count
-- Returns timeline entries as XRANGE does: {{id, {field, value, ...}}, ...}
local ix = redis.call('XRANGE', KEYS[1], '(0-' .. ARGV[1], '+', 'COUNT', ARGV[2])
local out = {}
for _, e in ipairs(ix) do
  local sid = e[2][2]
  local r = redis.call('XRANGE', KEYS[2], sid, sid)
  if r[1] then out[#out + 1] = r[1] end
end
return out
