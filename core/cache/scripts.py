"""The cache's Lua scripts: a bulk store or a tag snapshot is one round trip, atomic in Redis.

An entry starts with its tag section (see ``core.cache.codec``): ``n`` (2 bytes), then
``"<tag key> <version>\\n"`` per tag. A value is valid only while every tag still has the
version it was computed under. Lookups need no script (one ``MGET`` of the entries and
their tags, compared in Python); a store must compare and set atomically, so it is one.
Tag keys are read inside ``STORE`` without being declared in ``KEYS``: fine on one Redis,
not on a Redis Cluster (docs/decisions/0003-cache-keys.md).
"""

from __future__ import annotations

_VALID = """
local function valid(v)
  local n = string.byte(v, 1) * 256 + string.byte(v, 2)
  if n == 0 then return true end
  local names, stamps = {}, {}
  for name, stamp in string.gmatch(string.sub(v, 3, 2 + n), '([^ \\n]+) ([^\\n]+)\\n') do
    names[#names + 1] = name
    stamps[#stamps + 1] = stamp
  end
  local current = redis.call('MGET', unpack(names))
  for j = 1, #names do
    if current[j] ~= stamps[j] then return false end
  end
  return true
end
"""

# KEYS: entries; ARGV: (ttl ms, entry) per key. Stores an entry only if its tags still have
# the versions it carries: a value computed before a write committed never lands after it.
# Returns per key 1 (stored) or 0 (dropped).
STORE = (
    _VALID
    + """
local out = {}
for i = 1, #KEYS do
  local v = ARGV[2 * i]
  if valid(v) then
    redis.call('SET', KEYS[i], v, 'PX', ARGV[2 * i - 1])
    out[i] = 1
  else
    out[i] = 0
  end
end
return out
"""
)

# KEYS: tag keys; ARGV: a random prefix for versions created now, their TTL (ms).
# Returns each tag's current version, creating the missing ones (evicted or never set).
SNAPSHOT = """
local out = {}
for i = 1, #KEYS do
  local v = redis.call('GET', KEYS[i])
  if not v then
    v = ARGV[1] .. i
    redis.call('SET', KEYS[i], v, 'PX', ARGV[2])
  end
  out[i] = v
end
return out
"""

# KEYS: a lock; ARGV: its owner's token. Delete the lock only if we still own it.
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
