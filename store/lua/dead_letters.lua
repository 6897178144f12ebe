-- The outbox's dead letters (store/dead_letters.cpp): replies it gave up on, kept for the leads
-- until one sends the reply again. Both keys share the hash tag {od}.
-- KEYS: 1 the letters (hash: "<conversation>:<seq>" → the letter, encoded by dead_letters.cpp),
--       2 their order (sorted set: the same members, scored by when the reply failed, Unix ms).
-- ARGV: 1 op, then per op:
--   add     ARGV 2 member, 3 failed at (Unix ms), 4 the letter → 1 (again: the same letter, replaced)
--   remove  ARGV 2 member → 1 if it was there, else 0
local op = ARGV[1]
if op == 'add' then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
  return 1
elseif op == 'remove' then
  redis.call('ZREM', KEYS[2], ARGV[2])
  return redis.call('HDEL', KEYS[1], ARGV[2])
end
return redis.error_reply('ERR dead_letters: unknown op ' .. tostring(op))
