-- Count one range's outcome into a job's counters exactly once, however often the range is reported
-- (a redelivered range, a consumer that reports after a crash, a rebuild from the ledger).
-- KEYS[1] set of range ids already counted for the job
-- KEYS[2] hash of the job's counters: rangesDone, rangesFailed, converted, failed, skipped, finishedRows (+ planned totals)
-- KEYS[3] per-second throughput bucket (converted + failed + skipped tracks); ignored when ARGV[6] is 0
-- KEYS[4] hash range id -> planned rows of the job's ranges known to the coordinator (addPlanned-4.lua);
--         a range not in it yet adds its planned rows to finishedRows when it is added there
-- ARGV[1] range id
-- ARGV[2] tracks converted   ARGV[3] tracks failed   ARGV[4] tracks skipped
-- ARGV[5] outcome: "done" or "failed"
-- ARGV[6] TTL in seconds of the throughput bucket; 0 = do not count toward throughput (rebuilds)
-- Returns 1 when the range was counted now, 0 when it had been counted before.
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then
  return 0
end
if ARGV[5] == 'done' then
  redis.call('HINCRBY', KEYS[2], 'rangesDone', 1)
else
  redis.call('HINCRBY', KEYS[2], 'rangesFailed', 1)
end
redis.call('HINCRBY', KEYS[2], 'converted', ARGV[2])
redis.call('HINCRBY', KEYS[2], 'failed', ARGV[3])
redis.call('HINCRBY', KEYS[2], 'skipped', ARGV[4])
local planned = redis.call('HGET', KEYS[4], ARGV[1])
if planned then
  redis.call('HINCRBY', KEYS[2], 'finishedRows', planned)
end
local ttl = tonumber(ARGV[6])
if ttl > 0 then
  redis.call('INCRBY', KEYS[3], tonumber(ARGV[2]) + tonumber(ARGV[3]) + tonumber(ARGV[4]))
  redis.call('EXPIRE', KEYS[3], ttl)
end
return 1
