-- end of message: queue, remove the phones, add headers or discard
dofile(LIBDIR .. "/lib.lua")
run(function()
	-- mixed: the phone is removed, the mail goes on with X-SMS-Queued
	local c = session("EOM-MIXED")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550131@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	local r = message(c, {{"From", "Alice Smith <alice@example.com>"},
		{"To", "12025550131@sms.example.com, bob@example.org"},
		{"Subject", "Lunch"}, {"Message-ID", "<eom-mixed@example.com>"}},
		"Meet at noon at the usual place?\r\n\r\n-- \r\nAlice\r\n")
	assert(r == SMFIR_CONTINUE, "mixed: continue, got " .. tostring(r))
	assert(mt.eom_check(c, MT_RCPTDELETE, "<12025550131@sms.example.com>"), "phone removed")
	assert(not mt.eom_check(c, MT_RCPTDELETE, "<bob@example.org>"), "mail recipient kept")
	assert(mt.eom_check(c, MT_HDRADD, "X-SMS-Queued"), "X-SMS-Queued added")
	local h = mt.getheader(c, "X-SMS-Queued", 0)
	assert(h and h:find("^%+12025550131 id=%d+ segments=1$"), "X-SMS-Queued value: " .. tostring(h))
	assert(sql("select text || '|' || segments || '|' || encoding || '|' || state from messages where message_id = 'eom-mixed@example.com'")
		== "Lunch: Meet at noon at the usual place?|1|0|0", "stored text")
	expect_log("EOM-MIXED: to=+12025550131 segments=1 encoding=GSM-7 thread=")
	mt.disconnect(c)

	-- a group whose texts differ: one member's thread is named (a reply,
	-- "{body}", fits), another's is not ("{subject}: {body}", over the
	-- cap): the group is refused whole, nothing of it is queued
	c = session("EOM-PARTIAL")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<oncall@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	r = message(c, {{"From", "alice@example.com"},
		{"Subject", "Re: " .. string.rep("a long subject line ", 30) ..
			"[#" .. tag("alice@example.com", "+12025550141") .. "]"},
		{"Message-ID", "<eom-partial@example.com>"}}, "ok\r\n")
	assert(r == SMFIR_CONTINUE, "partial: continue, got " .. tostring(r))
	assert(sql("select count(*) from messages where message_id = 'eom-partial@example.com'") == "0",
		"partial: nothing of the group queued")
	expect_log("EOM-PARTIAL: to=<oncall@sms.example.com> status=refused (552 5.3.4")
	assert(not mt.eom_check(c, MT_HDRADD, "X-SMS-Queued"), "partial: no X-SMS-Queued")
	mt.disconnect(c)

	-- only phones: discard; a group texts every member; UCS-2 and segments
	c = session("EOM-GROUP")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<oncall@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<carol@sms.example.com>", SMFIR_CONTINUE)
	local body = string.rep("Привет, это длинное сообщение. ", 3) .. "\r\n"
	r = message(c, {{"From", "alice@example.com"}, {"Subject", ""},
		{"Message-ID", "<eom-group@example.com>"},
		{"Content-Type", "text/plain; charset=utf-8"}}, body)
	assert(r == SMFIR_DISCARD, "only phones: discard, got " .. tostring(r))
	assert(mt.eom_check(c, MT_RCPTDELETE, "<oncall@sms.example.com>"))
	assert(mt.eom_check(c, MT_RCPTDELETE, "<carol@sms.example.com>"))
	assert(not mt.eom_check(c, MT_HDRADD, "X-SMS-Queued"), "no header on a discarded mail")
	-- oncall = +12025550141 and +12025550142 (and an opted-out member)
	local q = "select group_concat(x, ' ') from (select t.phone || ':' || m.encoding || ':' || m.segments as x from messages m join threads t on t.id = m.thread_id where m.message_id = 'eom-group@example.com' order by t.phone)"
	local got = sql(q)
	assert(got == "+12025550141:8:2 +12025550142:8:2 +12025550151:8:2 +12025550161:8:2", "group rows: " .. got)
	expect_log("EOM-GROUP: group oncall: +12025550199 opted out, not texted")
	expect_log("EOM-GROUP: to=+12025550141 segments=2 encoding=UCS-2")
	mt.disconnect(c)

	-- too long under LongMessagePolicy reject, only phones: 552 5.3.4
	c = session("EOM-LONG")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550132@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, {{"From", "alice@example.com"}, {"Subject", "long"},
		{"Message-ID", "<eom-long@example.com>"}}, string.rep("word ", 200) .. "\r\n")
	assert(r == SMFIR_REPLYCODE, "long: reply code, got " .. tostring(r))
	expect_log("EOM-LONG: reject: 552 5.3.4 the text would take 7 SMS segments, more than the limit of 3; shorten the text")
	assert(sql("select count(*) from messages where message_id = 'eom-long@example.com'") == "0")
	mt.disconnect(c)

	-- too long, mixed: the phone is removed, the mail goes on, the
	-- sender gets a delivery report
	c = session("EOM-LONGMIX")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550133@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	r = message(c, {{"From", "alice@example.com"}, {"Subject", "long"},
		{"Message-ID", "<eom-longmix@example.com>"}}, string.rep("word ", 200) .. "\r\n")
	assert(r == SMFIR_CONTINUE, "long mixed: continue, got " .. tostring(r))
	assert(mt.eom_check(c, MT_RCPTDELETE, "<12025550133@sms.example.com>"))
	assert(not mt.eom_check(c, MT_HDRADD, "X-SMS-Queued"))
	local dsn = sql("select rcpt || '|' || envelope_from || '|' || instr(data, 'Status: 5.3.4') || '|' || instr(data, 'report-type=delivery-status') from mail_queue where cast(data as text) like '%eom-longmix@example.com%'")
	assert(dsn:find("^alice@example.com||%d+|%d+$") and not dsn:find("|0"), "report queued: " .. dsn)
	expect_log("EOM-LONGMIX: to=<12025550133@sms.example.com> status=refused (552 5.3.4")
	mt.disconnect(c)
end)
