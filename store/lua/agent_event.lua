-- An agent's record changes and the router is told, atomically (the record and the router's event
-- stream never disagree): a profile is set, the status changes, a session connects or drops.
-- KEYS: 1 agent record hash, 2 agent event stream (read by the router), 3 the set of agent ids
-- ARGV: 1 agent id, 2 kind (profile|status|connect|drop), 3 profile bytes ('' = keep),
--       4 '1': set the profile only if there is none yet, 5 status name ('' = keep),
--       6 now ms, 7 connection count delta (+1 connect, -1 drop, 0)
-- Returns {profile bytes, status, status_since_ms, connections}
-- Errors: NOAGENT (no profile: the agent is unknown).
local rec = KEYS[1]
if ARGV[3] ~= '' then
  if ARGV[4] == '1' then
    redis.call('HSETNX', rec, 'profile', ARGV[3])
  else
    redis.call('HSET', rec, 'profile', ARGV[3])
  end
end
local profile = redis.call('HGET', rec, 'profile')
if not profile then return redis.error_reply('NOAGENT no such agent') end
local conns = redis.call('HINCRBY', rec, 'conns', tonumber(ARGV[7]))
if conns < 0 then
  redis.call('HSET', rec, 'conns', 0)
  conns = 0
end
local status = redis.call('HGET', rec, 'status')
if not status or (ARGV[5] ~= '' and ARGV[5] ~= status) then
  if ARGV[5] ~= '' then status = ARGV[5] else status = 'offline' end
  redis.call('HSET', rec, 'status', status, 'status_since_ms', ARGV[6])
end
local since = redis.call('HGET', rec, 'status_since_ms')
redis.call('SADD', KEYS[3], ARGV[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '100000', '*', 'a', ARGV[1], 'k', ARGV[2], 'p', profile, 's', status,
           'ss', since, 'n', conns)
return {profile, status, since, conns}
