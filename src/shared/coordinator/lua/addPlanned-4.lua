-- Make planned ranges known to a job's counters, each exactly once (HSETNX keyed by range id), so readers
-- that catch up at the same time, or a rebuild running meanwhile, never add a range twice.
-- KEYS[1] set of range ids already counted (recordRange-4.lua)
-- KEYS[2] hash of the job's counters: plannedRanges, plannedRows, plannedThroughId, plannedLastRangeId, finishedRows
-- KEYS[3] hash range id -> planned rows
-- KEYS[4] the job's generation key: without it the counters are not built and nothing is added (the next
--         reader rebuilds everything from the ledger)
-- ARGV: triples of range id, planned rows, end id, in range id order
-- Returns how many ranges were new, or -1 when the counters are not built.
if redis.call('EXISTS', KEYS[4]) == 0 then
  return -1
end
local added = 0
for i = 1, #ARGV, 3 do
  local rangeId = ARGV[i]
  local rows = tonumber(ARGV[i + 1])
  if redis.call('HSETNX', KEYS[3], rangeId, rows) == 1 then
    added = added + 1
    redis.call('HINCRBY', KEYS[2], 'plannedRanges', 1)
    redis.call('HINCRBY', KEYS[2], 'plannedRows', rows)
    if tonumber(rangeId) > tonumber(redis.call('HGET', KEYS[2], 'plannedLastRangeId') or '0') then
      redis.call('HSET', KEYS[2], 'plannedLastRangeId', rangeId, 'plannedThroughId', ARGV[i + 2])
    end
    -- A range a consumer counted before it was known here: its rows are finished now.
    if redis.call('SISMEMBER', KEYS[1], rangeId) == 1 then
      redis.call('HINCRBY', KEYS[2], 'finishedRows', rows)
    end
  end
end
return added
