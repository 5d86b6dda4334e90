-- tests/endpoints/wrk_save.lua: wrk script for t95_faults.sh and t96_load.sh: each request a valid Save of an entity never saved before.
-- Arguments after wrk's --: TAG (8 hex digits, new each run) BASE-URL CSRF-TOKEN SINK-URL NAME.

local nthreads = 0

-- Runs in the main state: numbers the threads so that their entity ids never collide.
function setup(thread)
	nthreads = nthreads + 1
	thread:set("tid", nthreads)
end

local tag, base, sink, name, headers
local counter = 0

function init(args)
	tag, base, sink, name = args[1], args[2], args[4], args[5]
	-- The page's own headers: Origin and the token are what Save checks before anything else.
	headers = {
		["Content-Type"] = "application/json",
		["Origin"] = base,
		["X-CSRF-Token"] = args[3],
	}
end

function request()
	counter = counter + 1
	local id = string.format("%s-%04x-4000-8000-%012x", tag, tid or 0, counter)
	local body = '{"entityId":"' .. id .. '","configName":"' .. name .. '",' ..
		'"contentUrl":"' .. base .. '/Connector/Edit?entityId=' .. id .. '",' ..
		'"webhookUrl":"' .. sink .. '/webhookb2/' .. name .. '-' .. id .. '",' ..
		'"appType":"teams","userObjectId":"' .. id .. '","events":["deployments"]}'
	return wrk.format("POST", nil, headers, body)
end
