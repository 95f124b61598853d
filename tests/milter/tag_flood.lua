-- failed tag attempts are rate-limited per sender and client
-- (TagFailureLimit 3/1h), with a ceiling per client (TagFailureClientLimit
-- 5/1h): a flood by one sender does not lock the others out
dofile(LIBDIR .. "/lib.lua")
run(function()
	local c = session("FLOOD", "192.0.2.99", "mallory@example.com")
	mailfrom(c, "<mallory@example.com>")
	for i = 1, 3 do
		rcpt(c, "<12025550181+aaaaaaaaaaa" .. i .. "@sms.example.com>", SMFIR_REPLYCODE)
	end
	expect_log("FLOOD: reject: RCPT from 192.0.2.99: 550 5.7.1 the reply address 12025550181+aaaaaaaaaaa3")
	-- the fourth, even with a good tag, is deferred
	local good = tag("mallory@example.com", "+12025550181")
	rcpt(c, "<12025550181+" .. good .. "@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("FLOOD: reject: RCPT from 192.0.2.99: 450 4.7.1 too many wrong reply addresses from mallory@example.com at 192.0.2.99; try again after")
	-- plain numbers are not affected
	rcpt(c, "<12025550181@sms.example.com>", SMFIR_CONTINUE)
	mt.disconnect(c)

	-- another sender on the same client still answers its own thread
	c = session("FLOOD-ALICE", "192.0.2.99", "alice@example.com")
	mailfrom(c, "<alice@example.com>")
	good = tag("alice@example.com", "+12025550181")
	rcpt(c, "<12025550181+" .. good .. "@sms.example.com>", SMFIR_CONTINUE)
	-- two more failures reach the client's ceiling (5) ...
	rcpt(c, "<12025550181+bbbbbbbbbbb1@sms.example.com>", SMFIR_REPLYCODE)
	rcpt(c, "<12025550181+bbbbbbbbbbb2@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("FLOOD-ALICE: reject: RCPT from 192.0.2.99: 550 5.7.1 the reply address 12025550181+bbbbbbbbbbb2")
	rcpt(c, "<12025550181+" .. good .. "@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("FLOOD-ALICE: reject: RCPT from 192.0.2.99: 450 4.7.1 too many wrong reply addresses from 192.0.2.99; try again after")
	mt.disconnect(c)
	-- ... and then every tagged reply from that client waits
	c = session("FLOOD-CEILING", "192.0.2.99", "a.smith@example.com")
	mailfrom(c, "<a.smith@example.com>")
	rcpt(c, "<12025550181+" .. good .. "@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("FLOOD-CEILING: reject: RCPT from 192.0.2.99: 450 4.7.1 too many wrong reply addresses from 192.0.2.99; try again after")
	mt.disconnect(c)
	-- another client is not held back
	c = session("FLOOD-OTHER", "192.0.2.100", "alice@example.com")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550181+" .. good .. "@sms.example.com>", SMFIR_CONTINUE)
	mt.disconnect(c)
end)
