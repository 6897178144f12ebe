-- Today's figures of the leads' board, kept in Redis so that a new router leader (or a re-claimed
-- note) neither loses nor double-counts them: a conversation counts once per kind and day.
-- KEYS: 1 the day's counters (hash "<queue>:a" answered, "<queue>:m" answered in time,
--       "<queue>:x" abandoned), 2 the day's counted set ("<kind>:<conversation>")
-- ARGV: 1 kind ('a' answered | 'x' abandoned), 2 conversation id, 3 queue, 4 '1': answered in
--       time, 5 TTL seconds of both keys
-- Returns 1 when it counted, 0 when that conversation was already counted for that kind.
-- A conversation answered today is never abandoned today (it may be resolved while queued again).
if ARGV[1] == 'x' and redis.call('SISMEMBER', KEYS[2], 'a:' .. ARGV[2]) == 1 then return 0 end
if redis.call('SADD', KEYS[2], ARGV[1] .. ':' .. ARGV[2]) == 0 then return 0 end
redis.call('HINCRBY', KEYS[1], ARGV[3] .. ':' .. ARGV[1], 1)
if ARGV[1] == 'a' and ARGV[4] == '1' then redis.call('HINCRBY', KEYS[1], ARGV[3] .. ':m', 1) end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
