-- The append path (ARCHITECTURE §4 step 3), atomic on one shard group's slot.
-- Dedupe on the idempotency key, open/reopen/find the conversation, give the event the next
-- per-conversation sequence number, apply the state transition, append the event to the
-- customer's timeline and to the conversation's index, publish it, and add a routing request when
-- the conversation starts needing an agent. The state rules come from the caller
-- (store/conversation_rules.cpp); this script only applies them.
--
-- The conversation's keys are derived from ARGV[9] (its group's "<p>:{g<k>}:cv:" prefix): they
-- carry the same hash tag as KEYS, so they are on the same slot, which is what Redis Cluster checks.
--
-- KEYS: 1 dedupe key, 2 timeline stream, 3 customer hash, 4 routing-request stream, 5 the group's fence,
--       6 the group's index of unresolved conversations (hash id → state), 7 the group's audit stream,
--       8 the group's conversations by creation time (zset id → created ms; what reports read),
--       9 the group's outbox stream (replies to send on a messaging channel)
-- ARGV: 1 mode (existing|new|current|current-family: as current, but MERGED when the customer
--       has no open conversation and customers merged into them, KEYS[3]..':src'),
--       2 conversation id (for current: the id of a new one),
--       3 customer id, 4 event bytes, 5 now ms, 6 idempotency key ('' = none), 7 dedupe TTL s,
--       8 reopen window ms, 9 conversation key prefix, 10 state of a created conversation
--       ('' = this event may not create one), 11 transitions "from>to,..." ('*' = any; first match),
--       12 router note: when the state changes (or a conversation is created), a routing request of
--       this kind is added for the router ('' = none; '!kind': added even when the state stays;
--       '~kind:channel': added even then when the conversation's channel is not `channel` — a
--       customer who writes on another channel, whom the router may tell their place there),
--       13 KPI fields to set once to now ("a,b"; '^a': and a router note when a is set now — the
--          customer's turn began),
--       14 channel name, 15 router lease token ('' or '0' = not a router write),
--       16 guard "field=v1|v2;field=v" on an existing conversation ('' or '-' = none), 17.. field, value pairs
--       to set ('+field': only on the conversation this append creates; '*field': appended to a
--       comma-separated list; '!audit': the value is an audit record added to the group's audit stream;
--       '>outbox': the event goes to the group's outbox, to be sent on the channel named by the value
--          ('<channel>@<seq>': the message event <seq> goes, not this one — a lead's retry);
--       '-field': deleted, and a router note when it existed — the customer's turn ended)
-- A note added only because of '^'/'-' (the state stayed) has kind 'turn'.
-- Who may read the customer's timeline besides admins goes to the set KEYS[3] .. ':rd' (the
-- customer's hash tag, so the same slot): 't:<team>' of a conversation created with a team
-- ('+team'), 'a:<agent>' of every owner (owner_id set non-empty). Members are never removed.
-- A router write whose token is below the group's fence is refused (FENCED): a newer router holds
-- the lease and has fenced the group (store/lease.hpp). A guard that does not hold is refused
-- (STATE): e.g. an accept of an offer that timed out, a reply by an agent who no longer owns it.
-- Returns {duplicate 0|1, conversation id, seq, timeline entry id, state, created 0|1}
-- Errors: NOCONV (no such conversation for this customer), EXISTS (mode new, id taken), FENCED, STATE,
-- MERGED (mode current-family).

local now = tonumber(ARGV[5])
if ARGV[15] ~= '' and ARGV[15] ~= '0' then
  local fence = tonumber(redis.call('GET', KEYS[5]) or '0')
  if tonumber(ARGV[15]) < fence then return redis.error_reply('FENCED a newer router holds the lease') end
end
if ARGV[6] ~= '' then
  local prior = redis.call('GET', KEYS[1])
  if prior then
    local p = {}
    for part in string.gmatch(prior, '[^\n]+') do p[#p + 1] = part end
    return {1, p[1], tonumber(p[2]), p[3], p[4], 0}
  end
end

local mode, cid, customer, prefix = ARGV[1], ARGV[2], ARGV[3], ARGV[9]
if mode == 'current-family' then
  -- Nothing of their own open, and customers merged into them: one of theirs may be waiting (the
  -- caller looks, then appends there or again as 'current').
  if not redis.call('HGET', KEYS[3], 'open') and redis.call('SCARD', KEYS[3] .. ':src') > 0 then
    return redis.error_reply('MERGED customers merged into this one')
  end
  mode = 'current'
end
if mode == 'current' then
  local c = redis.call('HMGET', KEYS[3], 'open', 'last')
  if c[1] then
    cid = c[1]
  elseif c[2] then
    local last = redis.call('HMGET', prefix .. c[2], 'state', 'resolved_at_ms')
    if last[1] == 'resolved' and last[2] and now - tonumber(last[2]) <= tonumber(ARGV[8]) then cid = c[2] end
  end
end

local ckey = prefix .. cid
local cur = redis.call('HMGET', ckey, 'state', 'customer_id')
local state, created = cur[1], 0
if state then
  if cur[2] ~= customer then return redis.error_reply('NOCONV conversation not found') end
  if mode == 'new' then return redis.error_reply('EXISTS conversation exists') end
  if ARGV[16] ~= '' and ARGV[16] ~= '-' then
    for cond in string.gmatch(ARGV[16], '[^;]+') do
      local f, allowed = string.match(cond, '^([^=]+)=(.*)$')
      local v = redis.call('HGET', ckey, f) or ''
      local ok = false
      for want in string.gmatch(allowed .. '|', '([^|]*)|') do
        if want == v then ok = true break end
      end
      if not ok then return redis.error_reply('STATE ' .. f .. ' is ' .. v) end
    end
  end
else
  if mode == 'existing' or ARGV[10] == '' then return redis.error_reply('NOCONV conversation not found') end
  created = 1
  state = ARGV[10]
  redis.call('HSET', ckey, 'id', cid, 'customer_id', customer, 'channel', ARGV[14], 'state', state,
             'created_at_ms', now, 'last_seq', 0, 'reopen_count', 0)
  redis.call('HSETNX', KEYS[3], 'created_at_ms', now)
  redis.call('ZADD', KEYS[8], now, cid)
  -- A returning customer waits for the agent who held their last conversation (the router
  -- reads last_owner as the agent to prefer for policy.preferred_agent_wait_seconds).
  local lo = redis.call('HGET', KEYS[3], 'last_owner')
  if lo then redis.call('HSET', ckey, 'last_owner', lo) end
end

local old = state
if created == 0 then
  for from, to in string.gmatch(ARGV[11], '([^,>]+)>([^,]+)') do
    if from == old or from == '*' then
      state = to
      break
    end
  end
end

local turn = false
for field in string.gmatch(ARGV[13], '[^,]+') do
  if string.sub(field, 1, 1) == '^' then
    if redis.call('HSETNX', ckey, string.sub(field, 2), now) == 1 then turn = true end
  else
    redis.call('HSETNX', ckey, field, now)
  end
end
for i = 17, #ARGV, 2 do
  local f, mark = ARGV[i], string.sub(ARGV[i], 1, 1)
  if mark == '+' then
    if created == 1 then redis.call('HSET', ckey, string.sub(f, 2), ARGV[i + 1]) end
  elseif mark == '>' then
    -- after the event has its seq and timeline id (below)
  elseif mark == '!' then
    redis.call('XADD', KEYS[7], 'MAXLEN', '~', '1000000', '*', 'c', cid, 'at', now, 'r', ARGV[i + 1])
  elseif mark == '-' then
    if redis.call('HDEL', ckey, string.sub(f, 2)) == 1 then turn = true end
  elseif mark == '*' then
    local name = string.sub(f, 2)
    local cur = redis.call('HGET', ckey, name)
    if cur and cur ~= '' then redis.call('HSET', ckey, name, cur .. ',' .. ARGV[i + 1])
    else redis.call('HSET', ckey, name, ARGV[i + 1]) end
  else
    redis.call('HSET', ckey, f, ARGV[i + 1])
  end
end

-- Who may read the customer's timeline (see above): its teams and every owner, once each.
for i = 17, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i + 1]
  if v ~= '' and ((f == '+team' and created == 1) or f == 'team') then
    redis.call('SADD', KEYS[3] .. ':rd', 't:' .. v)
  elseif v ~= '' and f == 'owner_id' then
    redis.call('SADD', KEYS[3] .. ':rd', 'a:' .. v)
  end
end

local seq = redis.call('HINCRBY', ckey, 'last_seq', 1)
redis.call('HSET', ckey, 'state', state, 'updated_at_ms', now)
if state == 'resolved' and old ~= 'resolved' then
  redis.call('HSET', ckey, 'resolved_at_ms', now)
  local owner = redis.call('HGET', ckey, 'owner_id')
  if owner and owner ~= '' then
    redis.call('HSET', ckey, 'last_owner', owner)  -- a reopen prefers them
    redis.call('HSET', KEYS[3], 'last_owner', owner)  -- and so does the customer's next conversation
  end
  if redis.call('HGET', KEYS[3], 'open') == cid then redis.call('HDEL', KEYS[3], 'open') end
  redis.call('HSET', KEYS[3], 'last', cid)
elseif state ~= 'resolved' and (created == 1 or old == 'resolved') then
  if old == 'resolved' then redis.call('HINCRBY', ckey, 'reopen_count', 1) end
  redis.call('HSET', KEYS[3], 'open', cid)
end

local sid = redis.call('XADD', KEYS[2], '*', 'c', cid, 's', seq, 'e', ARGV[4])
redis.call('XADD', ckey .. ':ix', '0-' .. seq, 't', sid)
for i = 17, #ARGV, 2 do
  if ARGV[i] == '>outbox' then
    local ch, of = string.match(ARGV[i + 1], '^([^@]*)@?(%d*)$')
    redis.call('XADD', KEYS[9], 'MAXLEN', '~', '100000', '*', 'c', cid, 'cu', customer, 'sq', of ~= '' and of or seq,
               't', sid, 'ch', ch, 'at', now)
    redis.call('SPUBLISH', KEYS[9] .. ':bell', '')  -- the outbox's doorbell (store/group_streams.hpp)
  end
end
local note, always = ARGV[12], string.sub(ARGV[12], 1, 1) == '!'
if always then note = string.sub(note, 2) end
if string.sub(note, 1, 1) == '~' then
  note = string.sub(note, 2)
  local ch = string.match(note, ':(.*)$')
  always = ch ~= nil and ch ~= (redis.call('HGET', ckey, 'channel') or '')
end
local changed = created == 1 or old ~= state or always
if changed or turn then
  if changed then
    if state == 'resolved' then redis.call('HDEL', KEYS[6], cid) else redis.call('HSET', KEYS[6], cid, state) end
  end
  if not changed then note = (note ~= '' and 'turn' or '') end
  if note ~= '' then
    -- The router learns what it needs from the entry alone (no read back).
    -- Field names: proto/routing_note.proto (store/routing_notes.cpp decodes them).
    local f = redis.call('HMGET', ckey, 'queue', 'channel', 'priority', 'team', 'owner_id', 'offer_agent',
                         'preferred_agent', 'last_owner', 'preview', 'created_at_ms', 'skills', 'excluded', 'csat',
                         'awaiting_reply_since_ms', 'customer_gone_at_ms', 'offer_expires_at_ms')
    redis.call('XADD', KEYS[4], 'MAXLEN', '~', '100000', '*', 'c', cid, 'cu', customer, 'at', now, 'k', note,
               'st', state, 'sq', seq, 'q', f[1] or '', 'ch', f[2] or '', 'p', f[3] or '0', 't', f[4] or '', 'o', f[5] or '',
               'oa', f[6] or '', 'pa', f[7] or '', 'lo', f[8] or '', 'pv', f[9] or '', 'ca', f[10] or '',
               'sk', f[11] or '', 'ex', f[12] or '', 'sc', f[13] or '', 'aw', f[14] or '', 'gn', f[15] or '',
               'oe', f[16] or '')
    redis.call('SPUBLISH', KEYS[4] .. ':bell', '')  -- the router's doorbell (store/group_streams.hpp)
  end
end
redis.call('SPUBLISH', ckey .. ':ch', seq .. '\n' .. sid .. '\n' .. ARGV[4])

if ARGV[6] ~= '' then
  redis.call('SET', KEYS[1], cid .. '\n' .. seq .. '\n' .. sid .. '\n' .. state, 'EX', ARGV[7])
end
return {0, cid, seq, sid, state, created}
