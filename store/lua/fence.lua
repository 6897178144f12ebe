-- Raise a shard group's fence to a leader's token (before that leader writes in the group).
-- KEYS: 1 the group's fence key. ARGV: 1 token.
-- Returns 1 if the fence is now at the token, 0 if a newer leader already raised it higher.
local f = tonumber(redis.call('GET', KEYS[1]) or '0')
local t = tonumber(ARGV[1])
if t < f then return 0 end
if t > f then redis.call('SET', KEYS[1], t) end
return 1
