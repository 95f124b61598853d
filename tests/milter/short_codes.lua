-- Mail to a short code or a sender name (issue 18, 1): texts from them
-- are mailed from 32665@ or AMAZON@ the SMS domain; an answer to one is
-- refused, saying why, unless the short code is in TextableShortCodes
dofile(LIBDIR .. "/lib.lua")
run(function()
	-- a text from AMAZON made this thread (as smsgw opens it)
	sql("INSERT INTO threads (owner, phone, sender, tag, created," ..
		" last_active) VALUES ('alice@example.com', 'AMAZON'," ..
		" '+12025550100', 'amzntag00001', 0, 0)")
	local c = session("SC-SHORT")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<32665@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("SC-SHORT: reject: RCPT from 127.0.0.1: 550 5.1.1 32665 is a short code: it cannot be texted through this transport")
	rcpt(c, "<32665+abcdefghijkl@sms.example.com>", SMFIR_REPLYCODE)
	-- one the transport can text (TextableShortCodes)
	rcpt(c, "<32666@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	mt.disconnect(c)

	c = session("SC-NAME")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<AMAZON@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("SC-NAME: reject: RCPT from 127.0.0.1: 550 5.1.1 AMAZON is a sender name, not a phone: it cannot receive texts")
	mt.disconnect(c)

	-- the Reply-To of its mail: the same sentence
	c = session("SC-NAME-REPLY")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<AMAZON+amzntag00001@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("SC-NAME-REPLY: reject: RCPT from 127.0.0.1: 550 5.1.1 AMAZON is a sender name, not a phone: it cannot receive texts")
	-- a name that never texted is no contact, as before
	rcpt(c, "<nobody2@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("SC-NAME-REPLY: reject: RCPT from 127.0.0.1: 550 5.1.1 no contact or group called nobody2")
	mt.disconnect(c)
end)
