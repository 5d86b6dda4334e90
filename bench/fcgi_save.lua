-- bench/fcgi_save.lua: wrk script for bench/run: every request a valid Save body with an entityId never used before.
-- Arguments (after wrk's --): RUN-TAG (integer, unique per run) ORIGIN (the stack's public_base_url) CSRF-TOKEN
-- CONFIG-NAME (so the rows of each side can be counted apart).
-- The id is built from the run tag, the wrk thread and a counter, so every request inserts a row.

local nthreads = 0

-- Runs in the main state: numbers the threads so their ids never collide.
function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

local tag, origin, headers, name
local counter = 0

function init(args)
	tag = tonumber(args[1]) or 0
	origin = args[2]
	name = args[4] or "bench-fcgi"
	headers = {
		["Content-Type"] = "application/json",
		["Origin"] = origin,
		["X-CSRF-Token"] = args[3],
	}
end

function request()
	counter = counter + 1
	local id = string.format("%08x-%04x-4000-8000-%012x", tag % 0x100000000, tid or 0, counter)
	local body = '{"entityId":"' .. id .. '","configName":"' .. name .. '",' ..
		'"contentUrl":"' .. origin .. '/Connector/Edit?entityId=' .. id .. '",' ..
		'"webhookUrl":"https://bench.webhook.office.com/webhookb2/' .. id ..
		'@0b0e0f00-0000-4000-8000-000000000001/IncomingWebhook/00112233445566778899aabbccddeeff/' ..
		'0b0e0f00-0000-4000-8000-000000000002",' ..
		'"appType":"teams","userObjectId":"0b0e0f00-0000-4000-8000-000000000003",' ..
		'"events":["deployments","builds"]}'
	return wrk.format("POST", nil, headers, body)
end
