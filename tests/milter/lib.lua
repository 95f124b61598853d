-- lib.lua - helpers for the miltertest scripts of smsmilter
--
-- run.sh passes SOCK (the milter socket), LOG (smsmilter's log), DB (the
-- store) and SECRET (the tag secret) with -D. Each script calls
-- run(function() ... end): a failed assertion prints its traceback (a
-- bare miltertest error prints nothing) and exits 1.

function run(body)
	local ok, err = xpcall(body, debug.traceback)
	if not ok then
		mt.echo("FAIL: " .. tostring(err))
		os.exit(1)
	end
end

-- session(qid, macros): a connection with MAIL-stage macros set
function session(qid, client, auth)
	local conn = mt.connect(SOCK)
	assert(conn, "cannot connect to " .. SOCK)
	mt.macro(conn, SMFIC_MAIL, "i", qid, "{client_addr}", client or "127.0.0.1",
		"{auth_authen}", auth or "")
	return conn
end

function mailfrom(conn, from, ...)
	assert(mt.mailfrom(conn, from, ...) == nil, "mailfrom failed")
	local r = mt.getreply(conn)
	assert(r == SMFIR_CONTINUE or r == 0 or r == nil,
		"MAIL: unexpected reply " .. tostring(r))
end

-- rcpt(conn, addr, want, ...): send RCPT, check the reply
-- (SMFIR_CONTINUE, SMFIR_REPLYCODE, ...)
function rcpt(conn, addr, want, ...)
	assert(mt.rcptto(conn, addr, ...) == nil, "rcptto failed")
	local got = mt.getreply(conn)
	assert(got == want, string.format("RCPT %s: reply %s, want %s", addr,
		tostring(got), tostring(want)))
end

-- message(conn, headers, body): headers as {{name, value}, ...}, then EOM
function message(conn, headers, body)
	assert(mt.data(conn) == nil, "data failed")
	assert(mt.getreply(conn) == SMFIR_CONTINUE, "DATA not continued")
	for _, h in ipairs(headers) do
		assert(mt.header(conn, h[1], h[2]) == nil, "header failed")
	end
	assert(mt.bodystring(conn, body) == nil, "body failed")
	assert(mt.eom(conn) == nil, "eom failed")
	return mt.getreply(conn)
end

-- slurp(path): a file's text
function slurp(path)
	local f = assert(io.open(path, "r"))
	local s = f:read("a")
	f:close()
	return s
end

-- log_has(s): smsmilter logged the plain string s (waits up to 2 s)
function log_has(s)
	for _ = 1, 20 do
		if slurp(LOG):find(s, 1, true) then return true end
		mt.sleep(0.1)
	end
	return false
end

function expect_log(s)
	assert(log_has(s), "not in the log: " .. s)
end

-- sql(query): the first column of the rows, joined by newlines
function sql(query)
	local p = assert(io.popen("sqlite3 -batch '" .. DB .. "' \"" .. query .. "\""))
	local s = p:read("a")
	p:close()
	return (s:gsub("\n$", ""))
end

-- tag(owner, phone, sender): a thread's tag, as smsctl computes it
function tag(owner, phone, sender)
	local p = assert(io.popen(SMSCTL .. " -c " .. CONF .. " tag " .. owner ..
		" " .. phone .. (sender and (" " .. sender) or "")))
	local s = p:read("a")
	p:close()
	return (s:gsub("%s+$", ""))
end
