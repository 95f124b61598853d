-- failed tag attempts are rate-limited per client (TagFailureLimit 3/1h)
dofile(LIBDIR .. "/lib.lua")
run(function()
	local c = session("FLOOD", "192.0.2.99", "mallory")
	mailfrom(c, "<mallory@example.com>")
	for i = 1, 3 do
		rcpt(c, "<12025550181+aaaaaaaaaaa" .. i .. "@sms.example.com>", SMFIR_REPLYCODE)
	end
	expect_log("FLOOD: reject: RCPT from 192.0.2.99: 550 5.7.1 the reply address 12025550181+aaaaaaaaaaa3")
	-- the fourth, even with a good tag, is deferred
	local good = tag("mallory@example.com", "+12025550181")
	rcpt(c, "<12025550181+" .. good .. "@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("FLOOD: reject: RCPT from 192.0.2.99: 450 4.7.1 too many wrong reply addresses from 192.0.2.99; try again after")
	-- plain numbers are not affected
	rcpt(c, "<12025550181@sms.example.com>", SMFIR_CONTINUE)
	mt.disconnect(c)
end)
