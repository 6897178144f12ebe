-- Marks a customer merged into another, or takes the mark off (merge and undo-merge,
-- store/identities.cpp). KEYS: 1 the customer hash. ARGV: 1 'claim' or 'release', 2 the target,
-- 3 a merge id.
-- claim: a customer not merged gets merged_into = target, merged_by = the id; returns the id the
-- customer is merged by, which is the earlier one when it is merged into this target already (a
-- repeated merge resumes it); nil when it is merged into another customer.
-- release: takes both fields off only while merged_by is the id (a repeated undo after a newer
-- merge changes nothing); returns 1 if it did, else 0.
if ARGV[1] == 'claim' then
  local into = redis.call('HGET', KEYS[1], 'merged_into')
  if not into then
    redis.call('HSET', KEYS[1], 'merged_into', ARGV[2], 'merged_by', ARGV[3])
    return ARGV[3]
  end
  if into ~= ARGV[2] then return false end
  local by = redis.call('HGET', KEYS[1], 'merged_by')
  if not by then
    redis.call('HSET', KEYS[1], 'merged_by', ARGV[3])
    return ARGV[3]
  end
  return by
end
if redis.call('HGET', KEYS[1], 'merged_by') == ARGV[3] then
  redis.call('HDEL', KEYS[1], 'merged_into', 'merged_by')
  return 1
end
return 0
