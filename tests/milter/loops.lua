-- bounces, vacation replies, lists and our own mail are never texted;
-- alerts (Auto-Submitted: auto-generated) are
dofile(LIBDIR .. "/lib.lua")

local function try(qid, from, headers, want)
	local c = session(qid)
	mailfrom(c, from)
	rcpt(c, "<12025550211@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	table.insert(headers, {"Message-ID", "<" .. qid .. "@example.com>"})
	table.insert(headers, {"Subject", qid})
	local r = message(c, headers, "body of " .. qid .. "\r\n")
	assert(r == SMFIR_CONTINUE, qid .. ": " .. tostring(r))
	assert(mt.eom_check(c, MT_RCPTDELETE, "<12025550211@sms.example.com>"), qid .. ": phone removed")
	assert(not mt.eom_check(c, MT_HDRADD, "X-SMS-Queued") == (want == "dropped"), qid .. ": header")
	local n = sql("select count(*) from messages where message_id = '" .. qid .. "@example.com'")
	assert(n == (want == "dropped" and "0" or "1"), qid .. ": rows " .. n)
	if want == "dropped" then
		expect_log(qid .. ": to=<12025550211@sms.example.com> status=dropped")
	end
	mt.disconnect(c)
end

run(function()
	try("LOOP-NULL", "<>", {{"From", "MAILER-DAEMON@example.org"}}, "dropped")
	try("LOOP-VACATION", "<alice@example.com>", {{"From", "alice@example.com"}, {"Auto-Submitted", "auto-replied (vacation)"}}, "dropped")
	try("LOOP-BULK", "<alice@example.com>", {{"From", "alice@example.com"}, {"Precedence", "bulk"}}, "dropped")
	try("LOOP-LIST", "<alice@example.com>", {{"From", "alice@example.com"}, {"Precedence", "List"}}, "dropped")
	try("LOOP-OURS", "<alice@example.com>", {{"From", "alice@example.com"}, {"X-SMS-From", "+12025550143"}}, "dropped")
	try("LOOP-ALERT", "<nagios@example.com>", {{"From", "nagios@example.com"}, {"Auto-Submitted", "auto-generated"}}, "queued")
	expect_log("LOOP-VACATION: to=<12025550211@sms.example.com> status=dropped (Auto-Submitted (an automatic reply))")
end)
