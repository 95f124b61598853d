-- per-recipient rate (RecipientRateLimit 3/1h) and monthly quota
-- (MonthlySegmentQuota 1000, OverQuotaPolicy reject; run.sh gave
-- quota@example.com 999 segments of this month already)
dofile(LIBDIR .. "/lib.lua")

local function send(qid, from, to, n)
	local c = session(qid)
	mailfrom(c, "<" .. from .. ">")
	rcpt(c, "<" .. to .. ">", SMFIR_CONTINUE)
	local r = message(c, {{"From", from}, {"Subject", ""},
		{"Message-ID", "<" .. qid .. "@example.com>"}}, "text number " .. n .. "\r\n")
	assert(r == SMFIR_DISCARD, qid .. ": " .. tostring(r))
	mt.disconnect(c)
end

run(function()
	for i = 1, 3 do
		send("RATE-" .. i, "rate" .. i .. "@example.com", "12025550191@sms.example.com", i)
	end
	local c = session("RATE-4")
	mailfrom(c, "<rate4@example.com>")
	rcpt(c, "<12025550191@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("RATE-4: reject: RCPT from 127.0.0.1: 450 4.7.1 +1 202-555-0191 has had 3 texts in this period (the limit); try again after")
	rcpt(c, "<12025550192@sms.example.com>", SMFIR_CONTINUE)
	mt.disconnect(c)

	send("QUOTA-1", "quota@example.com", "12025550201@sms.example.com", 1)
	assert(sql("select segments from usage where sender = 'quota@example.com'") == "1000")
	c = session("QUOTA-5")
	mailfrom(c, "<quota@example.com>")
	rcpt(c, "<12025550205@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("QUOTA-5: reject: RCPT from 127.0.0.1: 550 5.7.1 quota@example.com has used its 1000 text segments for this month; the quota resets at")
	mt.disconnect(c)
end)
