-- A customer's code for proving a phone number (store/identity_codes.hpp), each operation atomic
-- on its one key, so that a key never outlives its time and tries sent side by side are counted.
-- KEYS: 1 the key. ARGV[1] the operation:
--   'count', limit, window seconds: one more code sent in the window (the key lives that long
--      from the first) → 1 within the limit, 0 over it
--   'keep', phone, code hash, ttl seconds: the pending code, replacing any earlier one → 1
--   'check', code hash, max tries: spends a try → {0} none or expired, {1, phone} right (the
--      code is gone), {2, tries left} wrong, {3} no tries left (the code is gone)
local op = ARGV[1]
if op == 'count' then
  local n = redis.call('INCR', KEYS[1])
  if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3])) end
  if n <= tonumber(ARGV[2]) then return 1 end
  return 0
elseif op == 'keep' then
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[1], 'phone', ARGV[2], 'hash', ARGV[3], 'tries', 0)
  redis.call('EXPIRE', KEYS[1], tonumber(ARGV[4]))
  return 1
elseif op == 'check' then
  local v = redis.call('HMGET', KEYS[1], 'phone', 'hash')
  if not v[1] then return {0} end
  local max = tonumber(ARGV[3])
  local n = redis.call('HINCRBY', KEYS[1], 'tries', 1)
  if n <= max and v[2] == ARGV[2] then
    redis.call('DEL', KEYS[1])
    return {1, v[1]}
  end
  if n >= max then
    redis.call('DEL', KEYS[1])
    return {3}
  end
  return {2, max - n}
end
return redis.error_reply('ERR unknown operation')
