-- Acquire or renew a lease with a fencing token (the router's leader election).
-- KEYS: 1 lease key, 2 token counter key. ARGV: 1 owner id, 2 TTL in ms, 3 the least token a new
-- holder may get less one (the counter's value at its former key; '0' when none).
-- Returns the holder's fencing token if `owner` holds the lease now (newly acquired: a new,
-- larger token; renewed: the same token), or 0 if someone else holds it.
local cur = redis.call('GET', KEYS[1])
if cur == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return tonumber(redis.call('GET', KEYS[2]) or '0')
end
if cur then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
local floor = tonumber(ARGV[3] or '0') or 0
if tonumber(redis.call('GET', KEYS[2]) or '0') < floor then redis.call('SET', KEYS[2], floor) end
return redis.call('INCR', KEYS[2])
