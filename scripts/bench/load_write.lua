-- wrk script for scripts/bench/load.sh: POST /api/v1/cases with a new case id per request
-- (or, with NETRX_BENCH_PATH, the unchanged case file to a stateless capability endpoint).
-- The body is the file NETRX_BENCH_CASE with its "id" replaced; ids are unique per run
-- (RUN), wrk thread and request.
local counter = 0
local threads = 0

local template

function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

function init(args)
  local f = assert(io.open(os.getenv("NETRX_BENCH_CASE"), "r"))
  template = f:read("*a")
  f:close()
  wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local path = os.getenv("NETRX_BENCH_PATH")
  if path then
    -- Stateless capability: the same case file every time, computed every time.
    return wrk.format("POST", path, nil, template)
  end
  counter = counter + 1
  local id = "bench-" .. (os.getenv("RUN") or "x") .. "-" .. tostring(tid or 0) .. "-" .. counter
  local body = template:gsub('"id"%s*:%s*"[^"]*"', '"id": "' .. id .. '"', 1)
  return wrk.format("POST", "/api/v1/cases", nil, body)
end
