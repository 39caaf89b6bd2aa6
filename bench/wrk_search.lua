-- wrk script for bench/run.sh.
--   wrk -t2 -c16 -d10s -s bench/wrk_search.lua URL -- queries.tsv
-- With a queries file (bench/gen_corpus's "GOAL<TAB>words" lines) each
-- request is the next query of the mix as GET /api/search?q=...&sdg=...,
-- each wrk thread starting at a different offset. Without one, every
-- request is the URL's path (e.g. /healthz). Prints one line for run.sh:
--   WRK requests=N seconds=S rps=R p50_us=.. p99_us=.. max_us=.. errors=E
-- where errors counts socket errors, timeouts and non-2xx answers.

local paths = {}
local index = 0
local counter = 0

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
end

function init(args)
  local file = args[1]
  if file == nil then
    return
  end
  for line in io.lines(file) do
    local goal, words = line:match("^(%d+)\t(.+)$")
    if goal then
      local p = "/api/search?q=" .. urlencode(words)
      if goal ~= "0" then
        p = p .. "&sdg=" .. goal
      end
      table.insert(paths, p)
    end
  end
  -- spread the threads over the mix
  index = ((id or 0) * 97) % math.max(#paths, 1)
end

function request()
  if #paths == 0 then
    return wrk.format("GET")
  end
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.timeout + e.status
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "WRK requests=%d seconds=%.2f rps=%.1f p50_us=%d p99_us=%d " ..
    "max_us=%d errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.max, errors))
end
