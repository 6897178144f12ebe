-- Moves an identity from one customer to another only if it still belongs to the first
-- (merge and undo-merge). KEYS: 1 identity key. ARGV: 1 expected owner, 2 new owner.
-- Returns 1 if moved, 2 if it belonged to the new owner already (a repeated step: the caller still
-- fixes the identity sets), 0 if it belonged to someone else (left as it was).
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
if owner == ARGV[2] then return 2 end
return 0
