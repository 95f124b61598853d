-- the same Message-ID to the same phone twice is queued once; the
-- same alert with another Message-ID is a new text; NOTIFY= is kept
dofile(LIBDIR .. "/lib.lua")

local function send(qid, msgid, notify, body, from, to)
	local c = session(qid)
	from = from or "nagios@example.com"
	to = to or "<12025550241@sms.example.com>"
	mailfrom(c, "<" .. from .. ">")
	if notify then
		rcpt(c, to, SMFIR_CONTINUE, "NOTIFY=" .. notify)
	else
		rcpt(c, to, SMFIR_CONTINUE)
	end
	local r = message(c, {{"From", from}, {"Subject", "PROBLEM: disk full"},
		{"Message-ID", "<" .. msgid .. ">"}, {"Auto-Submitted", "auto-generated"}},
		body or "/var is 98% full\r\n")
	assert(r == SMFIR_DISCARD, qid .. ": " .. tostring(r))
	mt.disconnect(c)
end

run(function()
	send("IDEM-1", "alert-1@example.com", "SUCCESS,FAILURE")
	send("IDEM-2", "alert-1@example.com")
	assert(sql("select count(*) from messages where message_id = 'alert-1@example.com'") == "1", "queued once")
	expect_log("IDEM-2: to=+12025550241 segments=1 encoding=GSM-7")
	expect_log("status=duplicate")
	send("IDEM-3", "alert-2@example.com", "NEVER")
	assert(sql("select count(*) from messages where message_id = 'alert-2@example.com'") == "1", "a new alert")
	-- NOTIFY bits: SUCCESS 1, FAILURE 2, NEVER 8
	assert(sql("select notify from messages where message_id = 'alert-1@example.com'") == "3")
	assert(sql("select notify from messages where message_id = 'alert-2@example.com'") == "8")
	assert(sql("select text from messages where message_id = 'alert-1@example.com'") == "PROBLEM: disk full: /var is 98% full")
	-- issue 18: the same Message-ID is the same text only with the same
	-- words from the same owner: another body, or another owner, is sent
	-- (another phone: RecipientRateLimit is 3/1h)
	local p2 = "<12025550243@sms.example.com>"
	local n = function() return sql("select count(*) from messages where message_id = 'alert-4@example.com'") end
	send("IDEM-4", "alert-4@example.com", nil, nil, nil, p2)
	send("IDEM-4B", "alert-4@example.com", nil, "/var is 99% full\r\n", nil, p2)
	assert(n() == "2", "another body: " .. n())
	send("IDEM-5", "alert-4@example.com", nil, nil, "ops@example.com", p2)
	assert(n() == "3", "another owner: " .. n())
	send("IDEM-6", "alert-4@example.com", nil, nil, "ops@example.com", "<12025550244@sms.example.com>")
	send("IDEM-6B", "alert-4@example.com", nil, nil, "ops@example.com", "<12025550244@sms.example.com>")
	assert(n() == "4", "ops again, to another phone, twice: one more: " .. n())
	-- and a trailing dot is the same SMS domain, written absolute
	send("IDEM-DOT", "alert-3@example.com", nil, nil, nil, "<12025550242@sms.example.com.>")
	assert(sql("select t.phone from messages m join threads t on t.id = m.thread_id where m.message_id = 'alert-3@example.com'") == "+12025550242", "trailing dot")
end)
