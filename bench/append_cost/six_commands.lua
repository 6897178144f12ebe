-- The floor for bench/append_cost/run.sh: the six commands of a message append (HMGET, SET NX GET,
-- HSET, XADD, XADD, SPUBLISH) with no parsing, no state rules and no notes.
local ckey = ARGV[9] .. ARGV[2]
local cur = redis.call('HMGET', ckey, 'state', 'customer_id', 'last_seq', 'awaiting_reply_since_ms')
local seq = (tonumber(cur[3]) or 0) + 1
local stored = redis.call('SET', KEYS[1], ARGV[2] .. '\n' .. seq .. '\nqueued', 'NX', 'GET', 'EX', ARGV[7])
redis.call('HSET', ckey, 'last_seq', seq, 'state', 'queued', 'updated_at_ms', ARGV[5])
local sid = redis.call('XADD', KEYS[2], '*', 'c', ARGV[2], 's', seq, 'e', ARGV[4])
redis.call('XADD', ckey .. ':ix', '0-' .. seq, 't', sid)
redis.call('SPUBLISH', ckey .. ':ch', seq .. '\n' .. sid .. '\n' .. ARGV[4])
return {0, ARGV[2], seq, sid, 'queued', 0}
