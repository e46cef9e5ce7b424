"""The Redis scripts of per-org fairness (:mod:`core.queueing.fairness`): take an org's
slot, take it or park the message, park a fetched batch, give a slot back (with the
message's ack, or not) and release what was parked. Each runs as one script, so a cap is
checked and a message parked or released atomically."""

# KEYS: slots zset, orgs set. ARGV: now ms, cap, member, lease end ms, org.
ACQUIRE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  return 1
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
return 1
"""


# Take a slot as ACQUIRE does, or park the message. KEYS: slots zset, orgs set, parking
# list, this worker's ack set of the queue, deferrals hash. ARGV: now ms, cap, member, lease
# end ms, org, parking entry ("<queue>|<redis id>|<member>"), redis id. Returns 1 (slot
# taken) or 0 (parked; or, if the ack set no longer held it, already requeued by a
# reconcile).
ACQUIRE_OR_PARK = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  return 1
end
redis.call('SADD', KEYS[2], ARGV[5])
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
  if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[4]) - tonumber(ARGV[1]) then
    redis.call('PEXPIREAT', KEYS[1], ARGV[4])  -- never cuts a longer lease short
  end
  return 1
end
if redis.call('SREM', KEYS[4], ARGV[7]) == 1 then
  redis.call('RPUSH', KEYS[3], ARGV[6])
  redis.call('HINCRBY', KEYS[5], ARGV[5], 1)
end
return 0
"""

# Give a slot back (ARGV[3], may be empty) and move parked messages to the head of their
# queues while the org has free slots: at most ARGV[4] of them. Each moved message gets a
# free slot reserved (its member, leased until ARGV[6]), which its own acquire renews when
# it runs: a message of the flood fetched meanwhile cannot take it, so a released message is
# not parked again. A parked id whose body is gone (a purged queue) is dropped. KEYS: slots
# zset, parking list. ARGV: now ms, cap, member, most to move, namespace, reserve until ms.
RELEASE = """
if ARGV[3] ~= '' then
  redis.call('ZREM', KEYS[1], ARGV[3])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local free = math.min(tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1]), tonumber(ARGV[4]))
local moved = 0
while moved < free do
  local entry = redis.call('LPOP', KEYS[2])
  if not entry then
    break
  end
  local a = string.find(entry, '|', 1, true)
  local b = string.find(entry, '|', a + 1, true)
  local queue = ARGV[5] .. ':' .. string.sub(entry, 1, a - 1)
  local rid = string.sub(entry, a + 1, b - 1)
  if redis.call('HEXISTS', queue .. '.msgs', rid) == 1 then
    redis.call('ZADD', KEYS[1], ARGV[6], string.sub(entry, b + 1))
    if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[6]) - tonumber(ARGV[1]) then
      redis.call('PEXPIREAT', KEYS[1], ARGV[6])
    end
    redis.call('LPUSH', queue, rid)
    redis.call('PUBLISH', queue .. '.wake', '1')
    moved = moved + 1
  end
end
return moved
"""

# Dramatiq's ack (dispatch.lua's "ack" command, without its heartbeat) prepended to RELEASE:
# a job that ended gives its slot back and is acked in one round trip. KEYS[3] this
# worker's ack set of the queue, KEYS[4] the queue's ``.msgs`` hash, ARGV[7] the redis id.
ACK_THEN_RELEASE = (
    """
if redis.call('SREM', KEYS[3], ARGV[7]) > 0 then
  redis.call('HDEL', KEYS[4], ARGV[7])
end
"""
    + RELEASE
)

# Park, in one script, the messages of one org that a consumer just fetched, if the org is
# full. Leaves alone a message whose member holds a slot (one reserved for it by RELEASE)
# and, while the org has free slots, as many others as it has: the middleware's
# ACQUIRE_OR_PARK decides for those. A message whose id is no longer in the ack set (a
# reconcile requeued it) is not parked either. KEYS: slots zset, orgs set, parking list, the
# ack set, deferrals hash. ARGV: now ms, cap, org, then per message: member, parking entry,
# redis id. Returns the redis ids parked.
PARK_FETCHED = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('SADD', KEYS[2], ARGV[3])
local free = tonumber(ARGV[2]) - redis.call('ZCARD', KEYS[1])
local parked = {}
for i = 4, #ARGV, 3 do
  if not redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    if free > 0 then
      free = free - 1
    elseif redis.call('SREM', KEYS[4], ARGV[i + 2]) == 1 then
      redis.call('RPUSH', KEYS[3], ARGV[i + 1])
      parked[#parked + 1] = ARGV[i + 2]
    end
  end
end
if #parked > 0 then
  redis.call('HINCRBY', KEYS[5], ARGV[3], #parked)
end
return parked
"""
