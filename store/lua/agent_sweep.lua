-- Desk sessions whose gateway stopped refreshing them (it died) expire: for every agent whose last
-- session expired, the router is told as if the desk had closed ('drop'), so the grace period
-- starts. Run by the active router every few seconds.
-- Run once per agent group (its keys share one slot).
-- KEYS: 1 the group's set of agent ids, 2 the group's agent event stream
-- ARGV: 1 the group's agent key prefix "<p>:{a<j>}:", 2 now ms
-- Returns the number of agents whose last session expired.
local dropped = 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local rec = ARGV[1] .. id
  local desks = rec .. ':desks'
  if redis.call('ZREMRANGEBYSCORE', desks, '-inf', ARGV[2]) > 0 then
    local conns = redis.call('ZCARD', desks)
    local had = tonumber(redis.call('HGET', rec, 'conns') or '0')
    redis.call('HSET', rec, 'conns', conns)
    if conns == 0 then
      local r = redis.call('HMGET', rec, 'profile', 'status', 'status_since_ms')
      if had > 0 then
        -- The status history (agent_event.lua): no desk any more. Same hash tag as the record.
        redis.call('XADD', rec .. ':hist', 'MAXLEN', '~', '10000', '*', 'at', ARGV[2], 's', r[2] or 'offline', 'd', 0)
      end
      if r[1] then
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'a', id, 'k', 'drop', 'p', r[1], 's',
                   r[2] or 'offline', 'ss', r[3] or '0', 'n', 0)
        dropped = dropped + 1
      end
    end
  end
end
if dropped > 0 then redis.call('SPUBLISH', KEYS[2] .. ':bell', '') end  -- the router's doorbell
return dropped
