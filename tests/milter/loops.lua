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
	-- issue 17: folded values, and what vacation responders and list
	-- managers write besides RFC 3834's header
	try("LOOP-FOLDED", "<alice@example.com>", {{"From", "alice@example.com"}, {"Auto-Submitted", "\n AUTO-REPLIED"}}, "dropped")
	try("LOOP-FOLDED-CRLF", "<alice@example.com>", {{"From", "alice@example.com"}, {"Auto-Submitted", "(out of office)\r\n\tauto-replied"}}, "dropped")
	try("LOOP-XAUTOREPLY", "<alice@example.com>", {{"From", "alice@example.com"}, {"X-Autoreply", "yes"}}, "dropped")
	try("LOOP-XAUTORESPOND", "<alice@example.com>", {{"From", "alice@example.com"}, {"X-Autorespond", "Out of office"}}, "dropped")
	try("LOOP-LISTID", "<alice@example.com>", {{"From", "alice@example.com"}, {"List-Id", "<ops.lists.example.com>"}}, "dropped")
	try("LOOP-UNSUB", "<alice@example.com>", {{"From", "alice@example.com"}, {"List-Unsubscribe", "<mailto:leave@lists.example.com>"}}, "dropped")
	try("LOOP-AUTOREPLY-NO", "<alice@example.com>", {{"From", "alice@example.com"}, {"X-Autoreply", "no"}}, "queued")
	try("LOOP-PRECEDENCE-AR", "<alice@example.com>", {{"From", "alice@example.com"}, {"Precedence", "auto_reply"}}, "dropped")
	expect_log("LOOP-LISTID: to=<12025550211@sms.example.com> status=dropped (List-Id (mailing list traffic))")
	expect_log("LOOP-VACATION: to=<12025550211@sms.example.com> status=dropped (Auto-Submitted (an automatic reply))")
end)
