-- X-SMS-Schedule and Deferred-Delivery (MaxScheduleAhead 14d)
dofile(LIBDIR .. "/lib.lua")

local phone = 12025550230
local function mail(qid, header, value, want)
	local c = session(qid)
	mailfrom(c, "<alice@example.com>")
	phone = phone + 1
	rcpt(c, "<" .. phone .. "@sms.example.com>", SMFIR_CONTINUE)
	local r = message(c, {{"From", "alice@example.com"}, {"Subject", ""},
		{"Message-ID", "<" .. qid .. "@example.com>"}, {header, value}}, qid .. "\r\n")
	assert(r == want, qid .. ": " .. tostring(r))
	mt.disconnect(c)
	return c
end

run(function()
	local now = os.time()
	local tomorrow = os.date("!%Y-%m-%dT%H:%M:%SZ", now + 86400)
	mail("SCHED-ISO", "X-SMS-Schedule", tomorrow, SMFIR_DISCARD)
	local row = sql("select state || '|' || due from messages where message_id = 'SCHED-ISO@example.com'")
	assert(row == "1|" .. (now + 86400) or row == "1|" .. (now + 86399) or row == "1|" .. (now + 86401),
		"scheduled for tomorrow: " .. row .. " want ~" .. (now + 86400))
	expect_log("status=scheduled")

	local rfc = os.date("!%a, %d %b %Y %H:%M:%S +0000", now + 7200)
	mail("SCHED-RFC", "Deferred-Delivery", rfc, SMFIR_DISCARD)
	assert(sql("select state from messages where message_id = 'SCHED-RFC@example.com'") == "1")

	mail("SCHED-RECENT", "X-SMS-Schedule", os.date("!%Y-%m-%dT%H:%M:%SZ", now - 1800), SMFIR_DISCARD)
	assert(sql("select state from messages where message_id = 'SCHED-RECENT@example.com'") == "0", "a recent past date sends now")

	mail("SCHED-FAR", "X-SMS-Schedule", os.date("!%Y-%m-%dT%H:%M:%SZ", now + 20 * 86400), SMFIR_REPLYCODE)
	expect_log("SCHED-FAR: reject: 550 5.7.1 the schedule date is more than 14 days ahead")
	mail("SCHED-OLD", "X-SMS-Schedule", os.date("!%Y-%m-%dT%H:%M:%SZ", now - 7200), SMFIR_REPLYCODE)
	expect_log("SCHED-OLD: reject: 550 5.7.1 the schedule date is more than an hour in the past")
	mail("SCHED-JUNK", "X-SMS-Schedule", "next tuesday-ish", SMFIR_REPLYCODE)
	expect_log("SCHED-JUNK: reject: 550 5.7.1 the schedule date \"next tuesday-ish\" cannot be read")
end)
