-- Fleet-wide rate budget of a job: reserve `cost` tracks of the budget and say how long to wait first.
-- Every consumer of the fleet draws from the same budget, so together they stay under the rate.
-- KEYS[1] hash of the job's throttle: rate (tracks/s; absent or negative = no limit; 0 = held), nextFree (ms)
-- ARGV[1] now in ms
-- ARGV[2] cost: tracks the caller is about to process
-- Returns: 0 = go now; N > 0 = start after N ms (reserved); -1 = held (rate 0): ask again later (nothing reserved).
local rate = tonumber(redis.call('HGET', KEYS[1], 'rate') or '-1')
if rate < 0 then
  return 0
end
if rate == 0 then
  return -1
end
local now = tonumber(ARGV[1])
local nextFree = tonumber(redis.call('HGET', KEYS[1], 'nextFree') or '0')
local start = math.max(now, nextFree)
redis.call('HSET', KEYS[1], 'nextFree', start + tonumber(ARGV[2]) * 1000 / rate)
return start - now
