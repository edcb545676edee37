-- wrk script: POST one /chat question over keep-alive connections, e.g.
--   wrk -t2 -c64 -d10s --latency -s tests/load/chat.lua http://127.0.0.1:8000/chat
-- QUESTION (environment) picks the question; ask it once first so that every request is a cache hit.
local question = os.getenv("QUESTION") or "BIST 100 nedir?"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"question": "' .. question:gsub('[\\"]', '\\%0') .. '"}'

-- Every reply must be a 200 hit; wrk counts other statuses as "Non-2xx", which the script checks.
