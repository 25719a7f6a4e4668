/**
 * Lua scripts of the Redis budget ledger. Each runs atomically in Redis, so the check of a cap and
 * the hold it grants are one step for every worker of the run. Keys, in this order everywhere:
 * 1 committed (hash: `<scope>:<name>:tokens|nanoUsd` → integer), 2 holds (hash: hold id → JSON),
 * 3 expiries (sorted set: hold id scored by its expiry, epoch ms of Redis's clock),
 * 4 settled (set of settled hold ids, so a resent settle counts once).
 * Amounts are integers (tokens, nano-dollars) passed as strings: Lua numbers are doubles, exact up
 * to 2^53, and no Lua number is ever formatted back into a counter.
 */

/** Redis's own clock (one clock for every worker), and holds past their expiry dropped. */
const DROP_EXPIRED = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local expired = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)
for _, id in ipairs(expired) do
  redis.call('HDEL', KEYS[2], id)
end
if #expired > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
end
`;

/**
 * ARGV: hold id, task id, agent name, tokens, nano-dollars, hold TTL ms, then the caps of the task,
 * the agent and the run as tokens, nano-dollars ('' for none).
 * Returns { 'granted' | 'wait' | 'refused', { per line task, agent, run: committed tokens,
 * committed nano-dollars, held tokens, held nano-dollars }, number of expired holds dropped }.
 */
export const RESERVE_SCRIPT = `${DROP_EXPIRED}
local taskId, agentName = ARGV[2], ARGV[3]
local tokens, nano, ttl = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local fields = { 'task:' .. taskId, 'agent:' .. agentName, 'run:run' }
local committed = redis.call('HMGET', KEYS[1],
  fields[1] .. ':tokens', fields[1] .. ':nanoUsd', fields[2] .. ':tokens', fields[2] .. ':nanoUsd', fields[3] .. ':tokens', fields[3] .. ':nanoUsd')
local lines = {}
for index = 1, 3 do
  lines[index] = {
    committedTokens = tonumber(committed[index * 2 - 1]) or 0,
    committedNano = tonumber(committed[index * 2]) or 0,
    heldTokens = 0,
    heldNano = 0,
    capTokens = tonumber(ARGV[5 + index * 2]),
    capNano = tonumber(ARGV[6 + index * 2]),
  }
end
local holds = redis.call('HGETALL', KEYS[2])
for index = 1, #holds, 2 do
  local hold = cjson.decode(holds[index + 1])
  local matches = { hold.taskId == taskId, hold.agentName == agentName, true }
  for line = 1, 3 do
    if matches[line] then
      lines[line].heldTokens = lines[line].heldTokens + tonumber(hold.tokens)
      lines[line].heldNano = lines[line].heldNano + tonumber(hold.nanoUsd)
    end
  end
end
local amounts = {}
for index = 1, 3 do
  local line = lines[index]
  table.insert(amounts, line.committedTokens)
  table.insert(amounts, line.committedNano)
  table.insert(amounts, line.heldTokens)
  table.insert(amounts, line.heldNano)
end
-- Refused only when the charge cannot fit against committed spend alone: committed spend never shrinks.
for index = 1, 3 do
  local line = lines[index]
  if (line.capTokens and line.committedTokens + tokens > line.capTokens) or (line.capNano and line.committedNano + nano > line.capNano) then
    return { 'refused', amounts, #expired }
  end
end
for index = 1, 3 do
  local line = lines[index]
  if (line.capTokens and line.committedTokens + line.heldTokens + tokens > line.capTokens) or
     (line.capNano and line.committedNano + line.heldNano + nano > line.capNano) then
    return { 'wait', amounts, #expired }
  end
end
redis.call('HSET', KEYS[2], ARGV[1], cjson.encode({ taskId = taskId, agentName = agentName, tokens = ARGV[4], nanoUsd = ARGV[5] }))
redis.call('ZADD', KEYS[3], now + ttl, ARGV[1])
return { 'granted', amounts, #expired }
`;

/**
 * ARGV: hold id ('' for spend recorded without a hold), task id, agent name, tokens, nano-dollars.
 * Drops the hold and adds the spend to the task, agent and run; a hold settles once (returns 0 when
 * it had already settled). A hold dropped as expired still adds its spend when its worker reports it.
 */
export const SETTLE_SCRIPT = `
local holdId = ARGV[1]
if holdId ~= '' then
  if redis.call('SADD', KEYS[4], holdId) == 0 then
    return 0
  end
  redis.call('HDEL', KEYS[2], holdId)
  redis.call('ZREM', KEYS[3], holdId)
end
local fields = { 'task:' .. ARGV[2], 'agent:' .. ARGV[3], 'run:run' }
for _, field in ipairs(fields) do
  redis.call('HINCRBY', KEYS[1], field .. ':tokens', ARGV[4])
  redis.call('HINCRBY', KEYS[1], field .. ':nanoUsd', ARGV[5])
end
return 1
`;

/** ARGV: hold TTL ms, then hold ids. Pushes back the expiry of those holds that are still there. */
export const RENEW_SCRIPT = `
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local renewed = 0
for index = 2, #ARGV do
  renewed = renewed + redis.call('ZADD', KEYS[3], 'XX', 'CH', now + tonumber(ARGV[1]), ARGV[index])
end
return renewed
`;
