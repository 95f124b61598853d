-- the same Message-ID to the same phone twice is queued once; the
-- same alert with another Message-ID is a new text; NOTIFY= is kept
dofile(LIBDIR .. "/lib.lua")

local function send(qid, msgid, notify)
	local c = session(qid)
	mailfrom(c, "<nagios@example.com>")
	if notify then
		rcpt(c, "<12025550241@sms.example.com>", SMFIR_CONTINUE, "NOTIFY=" .. notify)
	else
		rcpt(c, "<12025550241@sms.example.com>", SMFIR_CONTINUE)
	end
	local r = message(c, {{"From", "nagios@example.com"}, {"Subject", "PROBLEM: disk full"},
		{"Message-ID", "<" .. msgid .. ">"}, {"Auto-Submitted", "auto-generated"}}, "/var is 98% full\r\n")
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
end)
