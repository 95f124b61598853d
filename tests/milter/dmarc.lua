-- replies from outside on port 25: only with our Authentication-Results
-- saying dmarc=pass for a DmarcDomains domain, From matching the sender
dofile(LIBDIR .. "/lib.lua")

local n = 0
local function try(qid, from, ar, want, hfrom)
	local c = session(qid, "198.51.100.20")
	n = n + 1 -- a phone each (RecipientRateLimit 3/1h)
	mailfrom(c, "<" .. from .. ">")
	rcpt(c, "<120255503" .. string.format("%02d", n) .. "@sms.example.com>", SMFIR_CONTINUE)
	local h = {{"From", hfrom or from}, {"Subject", "hi"}, {"Message-ID", "<" .. qid .. "@partner.example>"}}
	if type(ar) == "table" then
		for i = #ar, 1, -1 do table.insert(h, 1, {"Authentication-Results", ar[i]}) end
	elseif ar then
		table.insert(h, 1, {"Authentication-Results", ar})
	end
	local r = message(c, h, "from outside\r\n")
	assert(r == want, qid .. ": " .. tostring(r))
	mt.disconnect(c)
end

run(function()
	try("DMARC-PASS", "pat@partner.example",
		"mail.example.com; dkim=pass header.d=partner.example; dmarc=pass (p=reject dis=none) header.from=partner.example",
		SMFIR_DISCARD)
	assert(sql("select count(*) from messages where message_id = 'DMARC-PASS@partner.example'") == "1")
	try("DMARC-FAIL", "pat@partner.example",
		"mail.example.com; dmarc=fail (p=reject) header.from=partner.example", SMFIR_REPLYCODE)
	expect_log("DMARC-FAIL: reject: 550 5.7.1 pat@partner.example may not send text messages: the mail did not pass DMARC")
	try("DMARC-NOAR", "pat@partner.example", nil, SMFIR_REPLYCODE)
	try("DMARC-FOREIGN", "pat@partner.example",
		"evil.example; dmarc=pass header.from=partner.example", SMFIR_REPLYCODE)
	try("DMARC-UNTRUSTED", "pat@partner.example",
		"mail.example.com; dmarc=pass header.from=untrusted.example", SMFIR_REPLYCODE,
		"x@untrusted.example")
	-- a pass for a trusted domain, but From is not the envelope sender
	try("DMARC-OTHERFROM", "pat@partner.example",
		"mail.example.com; dmarc=pass header.from=partner.example", SMFIR_REPLYCODE,
		"boss@partner.example")
	-- OpenDKIM's header of ours first, then OpenDMARC's: the pass counts
	try("DMARC-TWO", "pat@partner.example",
		{"mail.example.com; dkim=pass header.d=partner.example",
		 "mail.example.com; dmarc=pass header.from=partner.example"}, SMFIR_DISCARD)
	-- a forged pass beside our own fail: refused
	try("DMARC-FORGED-FAIL", "pat@partner.example",
		{"mail.example.com; dmarc=pass header.from=partner.example",
		 "mail.example.com; dmarc=fail header.from=partner.example"}, SMFIR_REPLYCODE)
	-- an authserv-id that only starts like ours is not ours
	try("DMARC-PREFIX", "pat@partner.example",
		"mail.example.com.evil.example; dmarc=pass header.from=partner.example", SMFIR_REPLYCODE)
	-- ours in another case, after a comment and folding: still ours
	try("DMARC-CFWS", "pat@partner.example",
		"(checked)\r\n\tMAIL.example.COM 1; dmarc=pass header.from=partner.example", SMFIR_DISCARD)
	-- our id after nested or escaped comments is ours, as RFC 8601
	-- reads it: a client's such header must be dropped by Postfix
	-- (header_checks; test_guide.sh sends these through it)
	try("DMARC-NESTED", "pat@partner.example",
		"((a)) mail.example.com; dmarc=pass header.from=partner.example", SMFIR_DISCARD)
	try("DMARC-ESCAPED", "pat@partner.example",
		"(a\\)) mail.example.com; dmarc=pass header.from=partner.example", SMFIR_DISCARD)
	-- a header that names us only as a word after other text is a
	-- claim, not clean: it fails, and spoils a pass beside it
	try("DMARC-WORD", "pat@partner.example",
		"x mail.example.com; dmarc=pass header.from=partner.example", SMFIR_REPLYCODE)
	-- and such a claim beside a clean pass spoils it
	try("DMARC-NESTED-PASS", "pat@partner.example",
		{"mail.example.com; dmarc=pass header.from=partner.example",
		 "other.example (for mail.example.com); dmarc=pass header.from=partner.example"}, SMFIR_REPLYCODE)
	assert(sql("select count(*) from messages where message_id like 'DMARC-%' ") == "5")
end)
