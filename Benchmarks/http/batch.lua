-- wrk script: POST /v1/batch with 100 Segment messages per request, every messageId unique.
-- RAPPORT_KEY: a source write key. Run through run.sh.
local key = os.getenv("RAPPORT_KEY") or ""
local counter = 0
local run = tostring(os.time()) .. "-" .. tostring(math.random(1, 1000000))
local events = { "Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Products Searched" }
local auth = "Basic " .. (function(s)
  local b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
  return ((s:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end)(key .. ":")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = auth

request = function()
  local parts = {}
  for i = 1, 100 do
    counter = counter + 1
    local user = "u" .. tostring((counter * 7919) % 200000)
    local ev = events[(counter % #events) + 1]
    parts[i] = string.format(
      '{"type":"track","event":"%s","userId":"%s","messageId":"%s-%d","timestamp":"%s.%03dZ",' ..
      '"properties":{"product_id":"p-%d","price":%d.5,"currency":"CNY","category":"Electronics"},' ..
      '"context":{"library":{"name":"analytics-python","version":"2.3.3"},"ip":"10.0.0.%d","locale":"zh-CN",' ..
      '"userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"}}',
      ev, user, run, counter, os.date("!%Y-%m-%dT%H:%M:%S"), counter % 1000, counter % 500, counter % 300, counter % 255)
  end
  return wrk.format(nil, "/v1/batch", nil, '{"batch":[' .. table.concat(parts, ",") .. '],"sentAt":"' .. os.date("!%Y-%m-%dT%H:%M:%SZ") .. '"}')
end

local non200 = 0
response = function(status, headers, body)
  if status ~= 200 then non200 = non200 + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("requests: %d, events acknowledged: %d, errors (non-2xx): %d\n",
    summary.requests, summary.requests * 100 - summary.errors.status * 100, summary.errors.status))
  io.write(string.format("events/s acknowledged: %.0f\n",
    (summary.requests - summary.errors.status) * 100 / (summary.duration / 1e6)))
  io.write(string.format("latency p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
