-- An agent's record changes and the router is told, atomically (the record and the router's event
-- stream never disagree): a profile is set, the status changes, a desk session opens or closes.
-- Open desk sessions are a sorted set of session ids scored by when they expire: a gateway
-- refreshes its sessions (agent_presence.lua), so the sessions of a gateway that died expire on
-- their own (agent_sweep.lua) instead of counting forever.
-- Each change of the status, or of whether the agent has a desk open, is also kept in the agent's
-- status history (what occupancy is computed from), with the time it happened.
-- KEYS: 1 agent record hash, 2 agent event stream (read by the router), 3 the set of agent ids,
--       4 the agent's desk sessions (zset: session id → expiry ms), 5 the agent's status history
-- ARGV: 1 agent id, 2 kind (profile|status|connect|drop), 3 profile bytes ('' = keep),
--       4 '1': set the profile only if there is none yet, 5 status name ('' = keep),
--       6 now ms, 7 session id opened ('+id') or closed ('-id') or '', 8 session lifetime ms,
--       9 the reason the agent gave with their status (kind status; "lunch" for an away)
-- Returns {profile bytes, status, status_since_ms, connections, reason}
-- Errors: NOAGENT (no profile: the agent is unknown).
local rec = KEYS[1]
local now = tonumber(ARGV[6])
if ARGV[3] ~= '' then
  if ARGV[4] == '1' then
    redis.call('HSETNX', rec, 'profile', ARGV[3])
  else
    redis.call('HSET', rec, 'profile', ARGV[3])
  end
end
local profile = redis.call('HGET', rec, 'profile')
if not profile then return redis.error_reply('NOAGENT no such agent') end
local before = redis.call('HMGET', rec, 'status', 'conns')
local op, session = string.sub(ARGV[7], 1, 1), string.sub(ARGV[7], 2)
if op == '+' then
  redis.call('ZADD', KEYS[4], now + tonumber(ARGV[8]), session)
elseif op == '-' then
  redis.call('ZREM', KEYS[4], session)
end
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now)
local conns = redis.call('ZCARD', KEYS[4])
redis.call('HSET', rec, 'conns', conns)
local status = redis.call('HGET', rec, 'status')
if not status or (ARGV[5] ~= '' and ARGV[5] ~= status) then
  if ARGV[5] ~= '' then status = ARGV[5] else status = 'offline' end
  redis.call('HSET', rec, 'status', status, 'status_since_ms', now)
  redis.call('HDEL', rec, 'reason')
end
if ARGV[2] == 'status' then redis.call('HSET', rec, 'reason', ARGV[9] or '') end
local reason = redis.call('HGET', rec, 'reason') or ''
local since = redis.call('HGET', rec, 'status_since_ms')
if before[1] ~= status or (tonumber(before[2] or '0') > 0) ~= (conns > 0) then
  redis.call('XADD', KEYS[5], 'MAXLEN', '~', '10000', '*', 'at', now, 's', status, 'd', conns > 0 and 1 or 0)
end
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'a', ARGV[1], 'k', ARGV[2], 'p', profile, 's', status,
           'ss', since, 'n', conns, 'r', reason)
redis.call('SPUBLISH', KEYS[2] .. ':bell', '')  -- the router's doorbell (store/group_streams.hpp)
return {profile, status, since, conns, reason}
