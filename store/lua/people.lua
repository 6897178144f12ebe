-- People who sign in and their sessions (store/people.cpp). Every key is under the hash tag {u}.
-- KEYS: 1 the user's record (hash), then per op: the user's sessions (hash: session hash →
--       "exp_ms|csrf"), or for "fail" and "count" the account's and the client address's failure
--       counters; "open" has the account's failure counter third (a success clears it).
-- ARGV: 1 op, 2 the revocation channel, 3 now (Unix ms), then per op:
--   find   ARGV 4 session hash → {role, teams, display_name, disabled, "exp_ms|csrf" or false}
--   open   ARGV 4 session hash, 5 expiry (Unix ms), 6 csrf token → 1; error NOUSER when the user is
--          gone or disabled (a disable racing a sign-in wins). Expired sessions are swept.
--   end    ARGV 4 session hash → 1 if it was open; publishes "s:<hash>" (its sockets close)
--   revoke ARGV 4 user id, 5 "1" to disable the account → ends every session, publishes "u:<id>"
--   fail   ARGV 4 window seconds → {account failures, address failures} in the window
--   count  → {account failures, address failures, seconds left of each one's window}
local op, channel, now = ARGV[1], ARGV[2], tonumber(ARGV[3])
if op == 'find' then
  local u = redis.call('HMGET', KEYS[1], 'role', 'teams', 'display_name', 'disabled')
  local s = redis.call('HGET', KEYS[2], ARGV[4])
  return {u[1] or false, u[2] or '', u[3] or '', u[4] or '', s}
elseif op == 'open' then
  local role = redis.call('HGET', KEYS[1], 'role')
  if not role or redis.call('HGET', KEYS[1], 'disabled') == '1' then
    return redis.error_reply('NOUSER the account does not exist or is disabled')
  end
  local all = redis.call('HGETALL', KEYS[2])
  local latest = tonumber(ARGV[5])
  for i = 1, #all, 2 do
    local exp = tonumber(string.match(all[i + 1], '^(%d+)|')) or 0
    if exp <= now then redis.call('HDEL', KEYS[2], all[i]) elseif exp > latest then latest = exp end
  end
  redis.call('HSET', KEYS[2], ARGV[4], ARGV[5] .. '|' .. ARGV[6])
  redis.call('PEXPIREAT', KEYS[2], latest)
  redis.call('DEL', KEYS[3])
  return 1
elseif op == 'end' then
  local n = redis.call('HDEL', KEYS[2], ARGV[4])
  redis.call('SPUBLISH', channel, 's:' .. ARGV[4])
  return n
elseif op == 'revoke' then
  if ARGV[5] == '1' then redis.call('HSET', KEYS[1], 'disabled', '1') end
  redis.call('DEL', KEYS[2])
  redis.call('SPUBLISH', channel, 'u:' .. ARGV[4])
  return 1
elseif op == 'fail' then
  local counts = {}
  for i, key in ipairs({KEYS[2], KEYS[3]}) do
    counts[i] = redis.call('INCR', key)
    if redis.call('TTL', key) < 0 then redis.call('EXPIRE', key, ARGV[4]) end
  end
  return counts
elseif op == 'count' then
  return {tonumber(redis.call('GET', KEYS[2]) or '0'), tonumber(redis.call('GET', KEYS[3]) or '0'),
          math.max(redis.call('TTL', KEYS[2]), 0), math.max(redis.call('TTL', KEYS[3]), 0)}
end
return redis.error_reply('ERR unknown op ' .. tostring(op))
