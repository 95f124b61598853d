-- reply addresses: a tag must be the sender's own thread's
dofile(LIBDIR .. "/lib.lua")
run(function()
	local good = tag("alice@example.com", "+12025550171")
	assert(#good == 12, "tag from smsctl: " .. good)

	-- the owner's reply by address: accepted, texted with the reply template
	local c = session("TAG-GOOD")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550171+" .. good .. "@sms.example.com>", SMFIR_CONTINUE)
	local r = message(c, {{"From", "alice@example.com"}, {"Subject", "Re: SMS from +1 202-555-0171 [#" .. good .. "]"},
		{"Message-ID", "<tag-good@example.com>"}, {"In-Reply-To", "<x@sms.example.com>"}},
		"Yes, see you then.\r\n\r\nOn Tue, Nov 24, 2026 at 9:00 AM +1 202-555-0171 wrote:\r\n> Are we still on?\r\n")
	assert(r == SMFIR_DISCARD)
	assert(sql("select text from messages where message_id = 'tag-good@example.com'") == "Yes, see you then.",
		"reply template, quote removed: " .. sql("select text from messages where message_id = 'tag-good@example.com'"))
	assert(sql("select tag from threads where owner = 'alice@example.com' and phone = '+12025550171'") == good)

	-- an alias of the owner may use the owner's thread
	c = session("TAG-ALIAS")
	mailfrom(c, "<a.smith@example.com>")
	rcpt(c, "<12025550171+" .. good .. "@sms.example.com>", SMFIR_CONTINUE)
	mt.disconnect(c)

	-- the same tag from another sender: 550 5.7.1
	c = session("TAG-OTHER", "127.0.0.1")
	mailfrom(c, "<bob@example.com>")
	rcpt(c, "<12025550171+" .. good .. "@sms.example.com>", SMFIR_REPLYCODE)
	expect_log("TAG-OTHER: bad reply tag: client=127.0.0.1 from=<bob@example.com>")
	expect_log("TAG-OTHER: reject: RCPT from 127.0.0.1: 550 5.7.1 the reply address 12025550171+" .. good .. "@sms.example.com is not one of your conversations")
	-- the owner's tag on another phone: refused too
	rcpt(c, "<12025550172+" .. good .. "@sms.example.com>", SMFIR_REPLYCODE)
	mt.disconnect(c)

	-- a subject tag that is the thread's makes a reply; a foreign one does not
	c = session("TAG-SUBJ")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550171@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, {{"From", "alice@example.com"}, {"Subject", "Re: hello [#" .. good .. "]"},
		{"Message-ID", "<tag-subj@example.com>"}}, "Reply by subject\r\n")
	assert(sql("select text from messages where message_id = 'tag-subj@example.com'") == "Reply by subject")
	c = session("TAG-SUBJ2")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550173@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, {{"From", "alice@example.com"}, {"Subject", "Re: hello [#" .. good .. "]"},
		{"Message-ID", "<tag-subj2@example.com>"}}, "New thread\r\n")
	assert(sql("select text from messages where message_id = 'tag-subj2@example.com'") == "Re: hello: New thread",
		sql("select text from messages where message_id = 'tag-subj2@example.com'"))

	-- In-Reply-To a mail smsgw made (a Message-ID in an SMS domain): a reply
	c = session("TAG-IRT")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550174@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, {{"From", "alice@example.com"}, {"Subject", "Re: SMS from +1 202-555-0174"},
		{"Message-ID", "<tag-irt@example.com>"},
		{"In-Reply-To", "<abcdefghijklmnopqrstuvwxyz@sms.example.com>"}}, "Answer by thread\r\n")
	assert(sql("select text from messages where message_id = 'tag-irt@example.com'") == "Answer by thread",
		sql("select text from messages where message_id = 'tag-irt@example.com'"))
end)
