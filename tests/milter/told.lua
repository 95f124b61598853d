-- issue 18 (5): nothing the phone does not get goes without a word to
-- the sender: attachments, opted-out members of a group, bulk mail, a
-- mail with no words; and (12) the report's Original-Envelope-Id and
-- returned part follow ENVID= and RET=
dofile(LIBDIR .. "/lib.lua")

local function mime(qid, parts)
	local b = "This is a multi-part message.\r\n"
	for _, p in ipairs(parts) do
		b = b .. "--B\r\nContent-Type: " .. p[1] .. "\r\n"
		if p[2] then
			b = b .. "Content-Disposition: attachment; filename=\"" .. p[2] .. "\"\r\n" ..
				"Content-Transfer-Encoding: base64\r\n"
		end
		b = b .. "\r\n" .. p[3] .. "\r\n"
	end
	return b .. "--B--\r\n"
end

local function hdrs(qid, subject, extra)
	local h = {{"From", "Alice Smith <alice@example.com>"},
		{"Subject", subject}, {"Message-ID", "<" .. qid .. "@example.com>"}}
	for _, x in ipairs(extra or {}) do table.insert(h, x) end
	return h
end

-- flat(s): s unfolded, quoted-printable soft breaks joined
local function flat(s)
	return (s:gsub("=\r?\n", ""):gsub("\r?\n[ \t]+", " "))
end

-- the mail queued to the sender that mentions qid's Message-ID
local function mail_to_sender(qid)
	return flat(sql("select cast(data as text) from mail_queue where rcpt = 'alice@example.com' and cast(data as text) like '%" ..
		qid .. "@example.com%' order by id desc limit 1"))
end

local function has(s, x) return s:find(x, 1, true) ~= nil end

run(function()
	local multipart = {"Content-Type", "multipart/mixed; boundary=B"}
	local att = {{"text/plain; charset=utf-8", nil, "Here are the photo and the report."},
		{"image/jpeg", "photo.jpg", "/9j/4AAQSkZJRgABAQ=="},
		{"application/pdf", "report.pdf", "JVBERi0xLjQK"}}

	-- attachments, only a phone: 250 (discard), no placeholder, billed
	-- as sent, a notice to the sender in words
	local c = session("TOLD-ATT")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550301@sms.example.com>", SMFIR_CONTINUE)
	local r = message(c, hdrs("TOLD-ATT", "files", {multipart}), mime("TOLD-ATT", att))
	assert(r == SMFIR_DISCARD, "attachments: discard, got " .. tostring(r))
	local row = sql("select text || '|' || segments from messages where message_id = 'TOLD-ATT@example.com'")
	assert(row == "files: Here are the photo and the report.|1", "attachments: stored " .. row)
	assert(sql("select segments from usage where sender = 'alice@example.com'") ~= "", "usage row")
	local n = mail_to_sender("TOLD-ATT")
	assert(has(n, "2 attachments (photo.jpg, report.pdf) were not sent: this site cannot send pictures or files yet"),
		"attachments: notice to the sender: " .. n)
	assert(has(n, "X-SMS-Report: notice") and has(n, "Auto-Submitted: auto-replied"), "notice headers")
	expect_log("TOLD-ATT: notice to=<alice@example.com>: 2 attachments (photo.jpg, report.pdf) were not sent")
	mt.disconnect(c)

	-- attachments, mixed: the copy to bob says so too
	c = session("TOLD-ATTMIX")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550302@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-ATTMIX", "files", {multipart}), mime("TOLD-ATTMIX", att))
	assert(r == SMFIR_CONTINUE, "attachments mixed: continue, got " .. tostring(r))
	assert(mt.eom_check(c, MT_HDRADD, "X-SMS-Notice"), "attachments mixed: X-SMS-Notice")
	local h = mt.getheader(c, "X-SMS-Notice", 0)
	assert(h and has(h, "2 attachments (photo.jpg, report.pdf) were not sent"), "X-SMS-Notice: " .. tostring(h))
	mt.disconnect(c)

	-- twelve images: one segment billed, not thirteen
	local many = {{"text/plain", nil, "Twelve pictures."}}
	for i = 1, 12 do
		table.insert(many, {"image/png", "p" .. i .. ".png", "iVBORw0KGgo="})
	end
	c = session("TOLD-MANY")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550303@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-MANY", "", {multipart}), mime("TOLD-MANY", many))
	assert(r == SMFIR_DISCARD, "many: discard, got " .. tostring(r))
	row = sql("select segments from messages where message_id = 'TOLD-MANY@example.com'")
	assert(row == "1", "many images: segments " .. row)
	assert(has(mail_to_sender("TOLD-MANY"), "12 attachments (p1.png, p2.png, p3.png, p4.png, p5.png, and 7 more) were not sent"),
		"many: notice")
	mt.disconnect(c)

	-- a group with an opted-out member: the sender hears who
	c = session("TOLD-GROUP")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<oncall@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-GROUP", "page"), "db1 is down\r\n")
	assert(r == SMFIR_DISCARD, "group: discard, got " .. tostring(r))
	assert(sql("select count(*) from messages where message_id = 'TOLD-GROUP@example.com'") == "3", "group: 3 texts")
	assert(has(mail_to_sender("TOLD-GROUP"),
		"1 member of the group oncall (+1 202-555-0199) opted out of texts and was not sent it"),
		"group: notice " .. mail_to_sender("TOLD-GROUP"))
	expect_log("TOLD-GROUP: notice to=<alice@example.com>: 1 member of the group oncall (+1 202-")
	mt.disconnect(c)

	-- ... and beside a mailbox: the copy bob gets says so, without the
	-- member's number (the log masks it too)
	c = session("TOLD-GROUPMIX")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<oncall@sms.example.com>", SMFIR_CONTINUE)
	rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-GROUPMIX", "page"), "db2 is down\r\n")
	assert(r == SMFIR_CONTINUE, "group mixed: continue, got " .. tostring(r))
	assert(mt.eom_check(c, MT_HDRADD, "X-SMS-Notice"), "group mixed: X-SMS-Notice")
	h = mt.getheader(c, "X-SMS-Notice", 0)
	assert(h and has(h, "1 member of the group oncall opted out of texts"),
		"group mixed: X-SMS-Notice: " .. tostring(h))
	assert(not has(h, "0199"), "group mixed: the member's number in X-SMS-Notice: " .. h)
	mt.disconnect(c)

	-- Precedence: bulk to a phone only: refused, not dropped
	c = session("TOLD-BULK")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550304@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-BULK", "news", {{"Precedence", "bulk"}}), "weekly news\r\n")
	assert(r == SMFIR_REPLYCODE, "bulk: reply code, got " .. tostring(r))
	expect_log("TOLD-BULK: reject: 550 5.7.1 no text was sent: mail with Precedence junk, list, bulk or auto_reply is never texted")
	assert(sql("select count(*) from messages where message_id = 'TOLD-BULK@example.com'") == "0")
	mt.disconnect(c)

	-- no words (no subject, empty body; base64 that decodes to nothing)
	c = session("TOLD-EMPTY")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550305@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-EMPTY", ""), "\r\n")
	assert(r == SMFIR_REPLYCODE, "empty: reply code, got " .. tostring(r))
	expect_log("TOLD-EMPTY: reject: 554 5.6.0 the mail has no words to text")
	mt.disconnect(c)
	c = session("TOLD-B64")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550305@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-B64", "", {{"Content-Transfer-Encoding", "base64"}}), "!!!!\r\n")
	assert(r == SMFIR_REPLYCODE, "bad base64: reply code, got " .. tostring(r))
	expect_log("TOLD-B64: reject: 554 5.6.0 the mail has no words to text")
	assert(sql("select count(*) from messages where message_id like 'TOLD-%EMPTY@example.com' or message_id = 'TOLD-B64@example.com'") == "0")
	mt.disconnect(c)

	-- a body that does not decode, beside a subject: the subject goes,
	-- and the sender hears the body did not
	c = session("TOLD-B64SUBJ")
	mailfrom(c, "<alice@example.com>")
	rcpt(c, "<12025550307@sms.example.com>", SMFIR_CONTINUE)
	r = message(c, hdrs("TOLD-B64SUBJ", "see below", {{"Content-Transfer-Encoding", "base64"}}), "!!!!\r\n")
	assert(r == SMFIR_DISCARD, "bad base64 with a subject: discard, got " .. tostring(r))
	assert(has(mail_to_sender("TOLD-B64SUBJ"), "the body could not be decoded (its Content-Transfer-Encoding is broken) and was not sent"),
		"bad base64 with a subject: notice")
	mt.disconnect(c)

	-- (12) reports: Original-Envelope-Id only with ENVID=; the returned
	-- part as RET= asks (headers by default)
	local function report(qid, ...)
		c = session(qid)
		mailfrom(c, "<alice@example.com>", ...)
		rcpt(c, "<12025550306@sms.example.com>", SMFIR_CONTINUE)
		rcpt(c, "<bob@example.org>", SMFIR_CONTINUE)
		r = message(c, hdrs(qid, "long"), string.rep("word ", 200) .. "\r\n")
		assert(r == SMFIR_CONTINUE, qid .. ": continue, got " .. tostring(r))
		mt.disconnect(c)
		local d = flat(sql("select cast(data as text) from mail_queue where cast(data as text) like '%" .. qid ..
			"@example.com%' and cast(data as text) like '%delivery-status%'"))
		assert(d ~= "", qid .. ": a report")
		return d
	end
	-- the returned part: what follows its Content-Type
	local function returned(d, ct)
		local at = d:find("Content-Type: " .. ct, 1, true)
		return at and d:sub(at) or ""
	end
	local d = report("TOLD-NOENVID")
	assert(not has(d, "Original-Envelope-Id"), "no ENVID: no Original-Envelope-Id")
	local part = returned(d, "text/rfc822-headers")
	assert(not has(d, "message/rfc822") and has(part, "Message-ID: <TOLD-NOENVID@example.com>") and
		not has(part, "word word word word"), "no RET: the headers returned, not the body")
	d = report("TOLD-ENVID", "ENVID=QQ+2B123", "RET=FULL")
	assert(has(d, "Original-Envelope-Id: QQ+123"), "ENVID: Original-Envelope-Id, decoded")
	part = returned(d, "message/rfc822")
	assert(has(part, "Message-ID: <TOLD-ENVID@example.com>") and has(part, "word word word word"),
		"RET=FULL: the whole mail returned")
	d = report("TOLD-HDRS", "RET=HDRS")
	part = returned(d, "text/rfc822-headers")
	assert(not has(d, "message/rfc822") and has(part, "Subject: long") and
		not has(part, "word word word word"), "RET=HDRS: only the headers")
end)
