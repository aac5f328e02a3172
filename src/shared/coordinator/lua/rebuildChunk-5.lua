-- One chunk of a rebuild of a job's counters from the ledger: every range of the chunk is made known as
-- planned and, when the ledger has it done or failed, counted — both exactly once, with the same rules as
-- addPlanned-4.lua and recordRange-4.lua, so consumers reporting ranges and other readers rebuilding at
-- the same time cannot make a figure count twice or miss one.
-- KEYS[1] counted set   KEYS[2] counters hash   KEYS[3] planned rows hash
-- KEYS[4] the job's generation key, set by the last chunk: from then on readers trust the counters
-- KEYS[5] the job's epoch: the rebuild read it before reading the ledger; a reset (retry-failed) or a flush
--         since then changes or removes it, and the chunk is refused (what the ledger said is stale)
-- ARGV[1] epoch read before the ledger   ARGV[2] 1 = last chunk (set the generation key)
-- ARGV[3..] groups of 7: range id, state (done | failed | open), planned rows, end id, converted, failed, skipped
-- Returns how many ranges were counted now (done or failed ranges Redis did not have), -1 when refused.
if redis.call('GET', KEYS[5]) ~= ARGV[1] then
  return -1
end
local counted = 0
for i = 3, #ARGV, 7 do
  local rangeId = ARGV[i]
  local state = ARGV[i + 1]
  local rows = tonumber(ARGV[i + 2])
  if redis.call('HSETNX', KEYS[3], rangeId, rows) == 1 then
    redis.call('HINCRBY', KEYS[2], 'plannedRanges', 1)
    redis.call('HINCRBY', KEYS[2], 'plannedRows', rows)
    if tonumber(rangeId) > tonumber(redis.call('HGET', KEYS[2], 'plannedLastRangeId') or '0') then
      redis.call('HSET', KEYS[2], 'plannedLastRangeId', rangeId, 'plannedThroughId', ARGV[i + 3])
    end
    if redis.call('SISMEMBER', KEYS[1], rangeId) == 1 then
      redis.call('HINCRBY', KEYS[2], 'finishedRows', rows)
    end
  end
  if (state == 'done' or state == 'failed') and redis.call('SADD', KEYS[1], rangeId) == 1 then
    counted = counted + 1
    if state == 'done' then
      redis.call('HINCRBY', KEYS[2], 'rangesDone', 1)
    else
      redis.call('HINCRBY', KEYS[2], 'rangesFailed', 1)
    end
    redis.call('HINCRBY', KEYS[2], 'converted', ARGV[i + 4])
    redis.call('HINCRBY', KEYS[2], 'failed', ARGV[i + 5])
    redis.call('HINCRBY', KEYS[2], 'skipped', ARGV[i + 6])
    redis.call('HINCRBY', KEYS[2], 'finishedRows', rows)
  end
end
if ARGV[2] == '1' then
  redis.call('SET', KEYS[4], ARGV[1])
end
return counted
