-- Moves an identity from one customer to another only if it still belongs to the first
-- (merge and undo-merge). KEYS: 1 identity key. ARGV: 1 expected owner, 2 new owner.
-- Returns 1 if moved, 0 if it belonged to someone else (left as it was).
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
