-- A gateway's desk sessions are still open: push their expiry forward (only sessions still
-- registered: one closed meanwhile stays closed).
-- KEYS: 1.. each session's agent zset (<p>:{a<j>}:<agent>:desks), all of one agent group j
-- ARGV: 1 new expiry ms, 2.. the session id for each key
local n = 0
for i = 1, #KEYS do
  n = n + redis.call('ZADD', KEYS[i], 'XX', 'CH', ARGV[1], ARGV[i + 1])
end
return n
