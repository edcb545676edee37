-- wrk script: POST /chat questions "Soru N nedir?" for N = 0 .. QUESTIONS-1 in turn, over
-- keep-alive connections (tests/load/shared-tier.sh stores them in Redis first).
local n = tonumber(os.getenv("QUESTIONS") or "64")
local i = 0
request = function()
  i = i + 1
  return wrk.format("POST", "/chat", {["Content-Type"] = "application/json"},
                    '{"question": "Soru ' .. (i % n) .. ' nedir?"}')
end
