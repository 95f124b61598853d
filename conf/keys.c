/*
 * NAME
 *	keys - every key of smsmilter.conf
 * DESCRIPTION
 *	One row a key: name, type, field, default, bounds, documentation.
 *	The parser, the printer, the sample file and the man page all
 *	come from this table.
 */
#include <stddef.h>

#include "conf/conf_int.h"

#define F(field) offsetof(struct conf, field)
#define NOLIM	 0, 0

static const char *const sync_modes[] = {"full", "normal", "off", NULL};
static const char *const long_policies[] = {"truncate", "reject", NULL};
static const char *const quota_policies[] = {"reject", "allow", "hold", NULL};
static const char *const ambiguous_modes[] = {"owner", "all", NULL};
static const char *const pool_modes[] = {"defer", "reject", "recycle", NULL};
static const char *const optout_scopes[] = {"site", "number", NULL};
static const char *const hook_private[] = {"no", "site", "yes", NULL};
static const char *const transports[] = {"smpp", "http", "kannel", NULL};
static const char *const concat_modes[] = {"udh", "sar", "payload", NULL};
static const char *const bind_modes[] = {"transceiver", "split", NULL};
static const char *const tls_modes[] = {"none",	  "may",    "encrypt",
					"verify", "secure", NULL};
static const char *const log_levels[] = {"error", "warning", "notice",
					 "info",  "debug",   NULL};

const struct conf_key conf_keys[] = {
    /* milter */
    {"Socket", CT_SOCKET, F(socket), "unix:/run/smsmilter/smsmilter.sock",
     NOLIM, NULL, 0, "Milter",
     "Where smsmilter listens for the MTA: unix:/path (the default, and the "
     "fastest; also local:/path, or the bare /path), inet:PORT@HOST or "
     "inet6:PORT@HOST, HOST a name, an address or an address in brackets "
     "(inet:8891@[127.0.0.1], inet6:8891@[::1]); inet:PORT alone listens "
     "on every address. On inet sockets smsmilter sets TCP_NODELAY.",
     NULL},
    {"SmsDomains", CT_DOMAINS, F(sms_domains), NULL, NOLIM, NULL, KEY_REQUIRED,
     "Milter",
     "Mail domains whose recipients are phones, contacts or groups: mail "
     "to 12025550143@sms.example.com becomes a text.",
     "sms.example.com"},
    {"DefaultCountry", CT_COUNTRY, F(default_country), "US", NOLIM, NULL, 0,
     "Milter",
     "ISO 3166 code of the country whose national numbers need no country "
     "code, as in 2025550143@sms.example.com.",
     NULL},
    {"AllowedCountries", CT_COUNTRIES, F(allowed_countries), "", NOLIM, NULL, 0,
     "Milter",
     "Countries that may be texted, as ISO 3166 codes (US, CA, GB). Empty: "
     "all.",
     "US, CA"},
    {"DeniedAreaCodes", CT_PREFIXES, F(denied_prefixes), "", NOLIM, NULL, 0,
     "Milter",
     "Numbers that may not be texted: three-digit North American area "
     "codes (684) or E.164 prefixes (+1684, +4470).",
     "684, 671"},
    {"IdempotencyWindow", CT_DURATION, F(idempotency_window), "10m", 0, 86400,
     NULL, 0, "Milter",
     "How a mail without a Message-ID of its sender's is known again when "
     "the MTA retries it (its reply lost to a crash or a timeout after the "
     "text was queued: the retry has a new queue id, and from Postfix a "
     "new Message-ID that Postfix made of it, which smsmilter recognises "
     "by the queue id inside). The same words from the same owner to the "
     "same phone within this time are one text; more than twice this time "
     "apart they are always two (between the two, they may be either). A "
     "mail with its own Message-ID is known by it. 0: by the queue id "
     "(every retry is texted again).",
     NULL},
    {"TextableShortCodes", CT_SHORTCODES, F(short_codes), "", NOLIM, NULL, 0,
     "Milter",
     "Short codes (3 to 8 digits) that the transport can text: mail to "
     "32665@sms.example.com (a reply to a text from that short code) is "
     "then sent. Mail to any other short code is refused, saying it "
     "cannot be texted through this transport; mail to a sender name "
     "(AMAZON@sms.example.com) is always refused: it is not a phone.",
     "32665"},
    {"MaxMessageSize", CT_SIZE, F(max_message_size), "10M", 1024,
     1024LL * 1024 * 1024, NULL, 0, "Milter",
     "Largest mail smsmilter reads for an SMS recipient; larger mail to a "
     "phone is refused with 552 5.3.4.",
     NULL},
    {"MaxMimeDepth", CT_INT, F(max_mime_depth), "20", 1, 100, NULL, 0, "Milter",
     "Deepest MIME nesting read before the mail is refused.", NULL},
    {"MaxScheduleAhead", CT_DURATION, F(max_schedule_ahead), "14d", 60,
     366LL * 86400, NULL, 0, "Milter",
     "How far ahead an X-SMS-Schedule or Deferred-Delivery header may put "
     "a text. Later dates are refused; past dates less than an hour old "
     "send now, older ones are refused.",
     NULL},
    {"MilterMetricsListen", CT_HOSTPORT, F(milter_metrics_listen), "", NOLIM,
     NULL, 0, "Milter",
     "An address (host:port, an IP address) where smsmilter serves its own "
     "/metrics in Prometheus' text format: refusals by SMTP code and "
     "enhanced status, the time of each commit of texts to the store, the "
     "commits the store refused. It asks no password: bind it to loopback. "
     "Empty: none. At the next start.",
     "127.0.0.1:8027"},
    {"WakeSocket", CT_PATH, F(wake_socket), "/run/smsmilter/smsgw.wake", NOLIM,
     NULL, 0, "Milter",
     "The unix datagram socket smsgw listens on: smsmilter sends it one "
     "byte after queueing texts. smsgw also polls the store, so a lost "
     "wake-up only delays.",
     NULL},

    /* who may send */
    {"AuthenticatedSenders", CT_BOOL, F(authenticated_senders), "yes", NOLIM,
     NULL, 0, "Senders",
     "Whether SMTP sessions authenticated with SASL may send texts.", NULL},
    {"SenderLogins", CT_LOGINS, F(sender_logins), "", NOLIM, NULL, 0, "Senders",
     "Which SASL logins may send as which addresses, as address=login pairs "
     "(an address or @domain, as Postfix's smtpd_sender_login_maps reads). "
     "A login that is itself an address may always send as that address "
     "and its OwnerAliases; any other envelope sender needs a pair here, "
     "else the SMS recipients are refused with 550 5.7.1. Mail without a "
     "login keeps the TrustedNetworks rule.",
     "support@example.com=alice@example.com, @example.org=bob"},
    {"LoginDomain", CT_STRING, F(login_domain), "", NOLIM, NULL, 0, "Senders",
     "The domain of SASL logins that are bare user names (Cyrus without "
     "realms, Dovecot's %n): with example.com, the login alice may send "
     "as alice@example.com. Empty: such logins send only as what "
     "SenderLogins gives them.",
     "example.com"},
    {"TrustedNetworks", CT_NETWORKS, F(trusted_networks),
     "127.0.0.1/32, ::1/128", NOLIM, NULL, 0, "Senders",
     "Client networks that may send texts without authenticating.", NULL},
    {"AllowedSenders", CT_ADDRESSES, F(allowed_senders), "", NOLIM, NULL, 0,
     "Senders",
     "Envelope senders (user@domain, or @domain for a whole domain) that "
     "may send texts. It only narrows the rules above: an address alone can "
     "be forged and is never enough. Empty: any sender they allow.",
     "@example.com"},
    {"AuthservId", CT_STRING, F(authserv_id), "", NOLIM, NULL, 0, "Senders",
     "This site's authserv-id in Authentication-Results headers (as "
     "OpenDMARC adds them). When set, replies arriving from outside with "
     "dmarc=pass for a domain in DmarcDomains may send texts.",
     "mail.example.com"},
    {"DmarcDomains", CT_DOMAINS, F(dmarc_domains), "", NOLIM, NULL, 0,
     "Senders",
     "From domains trusted when their mail passed DMARC (see AuthservId).",
     "example.com"},
    {"TagFailureLimit", CT_RATE, F(tag_failure_limit), "10/1h", NOLIM, NULL, 0,
     "Senders",
     "Reply addresses with a wrong thread tag one sender (its SASL login, "
     "else its envelope address) may try from one client per period, as "
     "COUNT/DURATION; after that its tagged texts are deferred with 450 "
     "4.7.1 until the period ends. Other senders on the same client are "
     "not held back.",
     NULL},
    {"TagFailureClientLimit", CT_RATE, F(tag_failure_client_limit), "100/1h",
     NOLIM, NULL, 0, "Senders",
     "Reply addresses with a wrong thread tag one client address may try "
     "per period, whoever the senders are: the ceiling for a flood that "
     "changes its sender address.",
     NULL},

    /* numbers and threads */
    {"DefaultSender", CT_SENDER, F(default_sender), "", NOLIM, NULL, 0,
     "Numbers and threads",
     "The number (E.164) or alphanumeric sender ID texts come from when "
     "SenderNumbers names none for the owner.",
     "+12025550100"},
    {"SenderNumbers", CT_OWNER_NUMBERS, F(sender_numbers), "", NOLIM, NULL, 0,
     "Numbers and threads",
     "Which number each owner (a mailbox) texts from, as address=number "
     "pairs; a number may be a sender name (alphanumeric ID, 1-11 "
     "characters with a letter). An owner named several times has several "
     "numbers: the first is its default, and a mail picks another with an "
     "X-SMS-Sender header (checked against them; refused otherwise).",
     "alice@example.com=+12025550101, bob@example.com=+12025550102"},
    {"NumberOwners", CT_NUMBER_OWNERS, F(number_owners), "", NOLIM, NULL, 0,
     "Numbers and threads",
     "Who gets a text that arrives at one of our numbers outside any "
     "thread, as number=address pairs.",
     "+12025550101=alice@example.com"},
    {"ForwardNumbers", CT_NUMBER_PAIRS, F(forward_numbers), "", NOLIM, NULL, 0,
     "Numbers and threads",
     "Texts to one of our numbers also forwarded to a phone, as "
     "number=phone pairs: the forward starts with who sent it (\"From "
     "+1 202-555-0143: ...\") and leaves from that number of ours. A text "
     "from that phone to the number goes to whoever it names first "
     "(\"+12025550143 see you at 5\"), else back to the last phone "
     "forwarded within LeaseDuration. Each forward is a text of the "
     "number's owner (NumberOwners), with every rule of a text from "
     "them.",
     "+12025550101=+12025550199"},
    {"LeaseDuration", CT_DURATION, F(lease_duration), "30d", 3600,
     366LL * 86400, NULL, 0, "Numbers and threads",
     "How long a conversation holds our number after its last text either "
     "way. An answer without a tag, to a number that several owners used "
     "with that phone within this time, is ambiguous (AmbiguousAnswers).",
     NULL},
    {"AmbiguousAnswers", CT_ENUM, F(ambiguous_answers), "owner", NOLIM,
     ambiguous_modes, 0, "Numbers and threads",
     "Where an ambiguous answer goes: owner, to the number's owner "
     "(NumberOwners, else Postmaster); all, a copy to each owner who texted "
     "that phone from that number within LeaseDuration. Either way the mail "
     "says it is ambiguous and who else texted the phone; it never goes "
     "silently to whoever texted last.",
     NULL},
    {"SenderNameDeniedPrefixes", CT_PREFIXES, F(sender_name_denied), "+1",
     NOLIM, NULL, 0, "Numbers and threads",
     "Numbers (E.164 prefixes) whose phones do not take a sender name "
     "(alphanumeric ID) as the sender: +1, the US and Canada. A text "
     "there from a sender name leaves from the owner's first real number "
     "in SenderNumbers instead, else from SenderPool, else from "
     "DefaultSender when that is a number; else it is refused.",
     NULL},
    {"OptOutScope", CT_ENUM, F(optout_scope), "site", NOLIM, optout_scopes, 0,
     "Numbers and threads",
     "What STOP (StopWords) opts a phone out of: site, every text from "
     "here; number, texts from the number it replied to (carrier practice "
     "where each number is a separate sender): other numbers, SenderPool's "
     "among them, may still text it, and START to that number lets it in "
     "again. Refusals say which.",
     NULL},
    {"SenderPool", CT_NUMBERS, F(sender_pool), "", NOLIM, NULL, 0,
     "Numbers and threads",
     "Numbers (E.164) leased to conversations: an owner SenderNumbers names "
     "no number for texts a phone from a pool number no other live "
     "conversation with that phone uses, so that an answer to that number "
     "goes to that owner, tag or not. A lease lives LeaseDuration after "
     "the last text either way. Empty: everyone without SenderNumbers "
     "texts from DefaultSender.",
     "+12025550110, +12025550111, +12025550112"},
    {"SenderPoolGroups", CT_GROUP_NUMBERS, F(sender_pool_groups), "", NOLIM,
     NULL, 0, "Numbers and threads",
     "Pools of their own for some owners, as address=number or "
     "@domain=number pairs (one pair per number): an owner named by "
     "address, else by its domain, leases from its group's numbers "
     "instead of SenderPool (an owner with SenderNumbers uses those). The "
     "pools should not share numbers.",
     "@sales.example.com=+12025550130, @sales.example.com=+12025550131"},
    {"MaxLeasesPerPhone", CT_INT, F(max_leases_per_phone), "5", 1, 1000, NULL,
     0, "Numbers and threads",
     "How many live conversations on pool numbers one phone may have at "
     "once (seed 001's limit is 5). Past it, or when every pool number is "
     "taken with that phone, PoolExhausted says what happens.",
     NULL},
    {"PoolExhausted", CT_ENUM, F(pool_exhausted), "defer", NOLIM, pool_modes, 0,
     "Numbers and threads",
     "A mail to a phone that has no pool number left for its sender: "
     "defer refuses the recipient with 452 4.5.3 (the sender's MTA tries "
     "again; a lease may expire meanwhile), reject with 550 5.5.3, recycle "
     "takes the least recently active lease of that phone and mails its "
     "owner that the conversation moved off that number.",
     NULL},
    {"LeaseGrace", CT_DURATION, F(lease_grace), "7d", 0, 366LL * 86400, NULL, 0,
     "Numbers and threads",
     "After a pool lease expires, how long an answer to its number still "
     "goes to its last owner (the mail says the lease had expired); after "
     "that, to the number's owner (NumberOwners, else Postmaster).",
     NULL},
    {"OwnerAliases", CT_ALIASES, F(owner_aliases), "", NOLIM, NULL, 0,
     "Numbers and threads",
     "Other addresses of an owner, as alias=owner pairs: mail from an alias "
     "may use the owner's threads.",
     "a.smith@example.com=alice@example.com"},
    {"TagSecret", CT_SECRET, F(tag_secret), NULL, NOLIM, NULL, KEY_REQUIRED,
     "Numbers and threads",
     "The secret that makes thread tags unguessable (an HMAC key, 16 "
     "characters or more). Prefer TagSecretFile.",
     NULL},
    {"TagSecretFile", CT_SECRET_FILE, F(tag_secret), NULL, NOLIM, NULL,
     KEY_REQUIRED, "Numbers and threads",
     "A file holding TagSecret on its first line, readable by its owner "
     "only (mode 600 or 400).",
     "/etc/smsmilter/tag.secret"},

    /* text */
    {"NewThreadTemplate", CT_TEMPLATE, F(new_thread_template),
     "{subject}: {body}", NOLIM, NULL, 0, "Text",
     "The text of a mail that starts a thread. {subject} (skipped with its "
     "separator when empty), {body} and {from} are replaced.",
     NULL},
    {"ReplyTemplate", CT_TEMPLATE, F(reply_template), "{body}", NOLIM, NULL, 0,
     "Text", "The text of a reply in a thread.", NULL},
    {"DisclaimerLines", CT_PHRASES, F(disclaimer_lines), "", NOLIM, NULL, 0,
     "Text",
     "Lines that start a legal disclaimer or a company footer, separated by "
     "|: from such a line to the end, the mail is not texted (when "
     "nothing else is left, the whole text is). Compared without case.",
     "CONFIDENTIALITY NOTICE | This email and any attachments"},
    {"SmartEncoding", CT_BOOL, F(smart_encoding), "yes", NOLIM, NULL, 0, "Text",
     "Replace curly quotes, dashes, ellipses and Unicode spaces by GSM "
     "characters when that keeps a text in the GSM alphabet (and cheaper).",
     NULL},
    {"SegmentCap", CT_INT, F(segment_cap), "10", 1, 255, NULL, 0, "Text",
     "Most segments one text may take.", NULL},
    {"LongMessagePolicy", CT_ENUM, F(long_message_policy), "truncate", NOLIM,
     long_policies, 0, "Text",
     "What to do with a text over SegmentCap: truncate it (with "
     "TruncationMarker) or reject the mail with 552 5.3.4.",
     NULL},
    {"TruncationMarker", CT_STRING, F(truncation_marker), "...", NOLIM, NULL, 0,
     "Text", "What a truncated text ends with.", NULL},

    /* media */
    {"MediaBaseUrl", CT_URL, F(media_base_url), "", NOLIM, NULL, 0, "Media",
     "The public URL under which smsgw's ApiListen serves the files of "
     "mail to phones, as phones reach it (through the reverse proxy: "
     "INSTALL). Set, each attachment of a mail to a phone is kept in the "
     "store and the text ends with a link to it, BASE/m/ID/EXPIRES/SIG/NAME, "
     "whose characters count in the segments; SIG is 60 bits of "
     "HMAC-SHA256 of the ID and EXPIRES with a key derived from TagSecret "
     "(a new TagSecret ends every link). Empty: attachments are not sent, "
     "and the sender is told so. Keep it short: a 25-character base makes "
     "links of about 70.",
     "https://sms.example.com"},
    {"MediaLifetime", CT_DURATION, F(media_lifetime), "30d", 3600,
     366LL * 86400, NULL, 0, "Media",
     "How long a file's link works; smsgw then deletes the file.", NULL},
    {"MediaMaxBytes", CT_SIZE, F(media_max_bytes), "5M", 1,
     1024LL * 1024 * 1024, NULL, 0, "Media",
     "Largest file of a mail to a phone (decoded); mail with a larger "
     "one is refused with 552 5.3.4. The whole mail is bounded by "
     "MaxMessageSize.",
     NULL},
    {"MediaMaxFiles", CT_INT, F(media_max_files), "5", 1, 100, NULL, 0, "Media",
     "Most files a mail to a phone may carry; mail with more is refused "
     "with 552 5.3.4.",
     NULL},
    {"MmsMaxBytes", CT_SIZE, F(mms_max_bytes), "5M", 0, 1024LL * 1024 * 1024,
     NULL, 0, "Media",
     "Largest picture (JPEG, PNG, GIF) sent as a picture, MMS, where the "
     "transport can (Transport http: the provider fetches it from its "
     "link, given as MediaUrl), billed as one segment more each; larger "
     "pictures, other files and other transports get a link in the text. "
     "0: never MMS. Needs MediaBaseUrl.",
     NULL},

    /* limits and usage */
    {"MonthlySegmentQuota", CT_INT, F(monthly_segment_quota), "0", 0,
     1000000000, NULL, 0, "Limits and usage",
     "Segments each sender may send per calendar month. 0: no quota.", NULL},
    {"OverQuotaPolicy", CT_ENUM, F(over_quota_policy), "reject", NOLIM,
     quota_policies, 0, "Limits and usage",
     "Over the quota: reject (550 5.7.1, saying when the quota resets: the "
     "sender knows at once), hold (452 4.7.1 until then: the sending MTA "
     "keeps retrying, and bounces if the month is longer than its queue "
     "lifetime) or allow (and count the overage).",
     NULL},
    {"RecipientRateLimit", CT_RATE, F(recipient_rate), "30/1h", NOLIM, NULL, 0,
     "Limits and usage",
     "Most texts one phone number receives per period, as COUNT/DURATION; "
     "more are deferred with 450 4.7.1. 0/1h: no limit.",
     NULL},
    {"PriceCurrency", CT_STRING, F(price_currency), "USD", NOLIM, NULL, 0,
     "Limits and usage", "Currency of the prices below.", NULL},
    {"PriceMonthlyFee", CT_DECIMAL, F(price_monthly_fee), "0", NOLIM, NULL, 0,
     "Limits and usage",
     "Monthly fee, which covers PriceIncludedSegments segments (for the "
     "cost estimate of smsctl usage).",
     "14.95"},
    {"PriceIncludedSegments", CT_INT, F(price_included_segments), "0", 0,
     1000000000, NULL, 0, "Limits and usage",
     "Segments the monthly fee covers.", "500"},
    {"BillingAccounts", CT_ACCOUNTS, F(billing_accounts), "", NOLIM, NULL, 0,
     "Limits and usage",
     "Which senders share one account for smsctl usage, as address=account "
     "or @domain=account pairs (an address before its domain): an account "
     "pays PriceMonthlyFee once a month and its senders share "
     "PriceIncludedSegments, as a customer with several users does. A "
     "sender not named here is an account of its own.",
     "@example.com=acme, ops@example.net=acme"},
    {"PricePerSegment", CT_DECIMAL, F(price_per_segment), "0", NOLIM, NULL, 0,
     "Limits and usage", "Price of each segment beyond those.", "0.0079"},

    /* store */
    {"Database", CT_DATABASE, F(database), "/var/lib/smsmilter/smsmilter.db",
     NOLIM, NULL, 0, "Store",
     "The store smsmilter, smsgw and smsctl share: a SQLite file (one host), "
     "or a PostgreSQL server's libpq URI, postgresql://USER@HOST[:PORT]/DB, "
     "that the milters and gateways of several hosts share. Keep the "
     "password out of the URI: name a pgpass file, "
     "?passfile=/etc/smsmilter/pgpass (mode 0600, owned by UserID). A "
     "URI may set libpq's other parameters (sslmode=verify-full, "
     "connect_timeout, options=-c statement_timeout=...): each statement "
     "is bounded by 30 s unless it says otherwise.",
     NULL},
    {"DatabaseSync", CT_ENUM, F(database_sync), "full", NOLIM, sync_modes, 0,
     "Store",
     "SQLite synchronous mode: full (every accepted mail is on disk before "
     "the MTA says 250, every text from a phone before it is answered; "
     "only a gateway's claim of work is not synced, which a power cut "
     "would just make due again), normal (faster; the last transactions "
     "may be lost on power failure) or off.",
     NULL},
    {"InboxFile", CT_PATH, F(inbox_file), NULL, NOLIM, NULL, 0, "Store",
     "The SQLite file where smsgw keeps each text from a phone that "
     "comes over SMPP before it answers the SMSC (synced as "
     "DatabaseSync says); a second thread then mails it and removes it. "
     "Texts the inbox holds when smsgw stops or dies are mailed when it "
     "starts again, none twice: the store records, with the mail, how "
     "far each inbox was mailed. By default the name of Database with "
     "-inbox (/var/lib/smsmilter/smsmilter-inbox.db), or "
     "/var/lib/smsmilter/smsgw-inbox.db when "
     "Database is a PostgreSQL URI: each gateway needs a file of its "
     "own, on a disk of its host. Owned by UserID, mode 0600.",
     NULL},

    /* transport */
    {"ClaimLease", CT_DURATION, F(claim_lease), "5m", 10, 86400, NULL, 0,
     "Transport",
     "How long a text smsgw takes from the queue stays its own while it "
     "submits it: if that smsgw dies (or loses the store) first, the text "
     "is due again when the lease ends, for it after a restart or for "
     "another gateway sharing the store. Longer than a submit can take "
     "(SmppResponseTimeout, throttling), short enough that the others "
     "take over soon.",
     NULL},
    {"QueueLifetime", CT_DURATION, F(queue_lifetime), "2d", 60, 30LL * 86400,
     NULL, 0, "Transport",
     "How long smsgw keeps trying a text the carrier does not take (link "
     "down, throttled, queue full) before it fails it.",
     NULL},
    {"ReceiptTimeout", CT_DURATION, F(receipt_timeout), "2d", 0, 30LL * 86400,
     NULL, 0, "Transport",
     "How long smsgw waits for the delivery receipt of a text the carrier "
     "took. Then the text is final as unknown (NO_RECEIPT), and its sender "
     "gets a report saying the carrier took it and its fate is not known "
     "(RFC 3464 Action: relayed) unless NOTIFY=NEVER. A receipt that "
     "comes later still decides the text. 0: wait for ever.",
     NULL},
    {"Transport", CT_ENUM, F(transport), "smpp", NOLIM, transports, 0,
     "Transport",
     "How texts reach the phone network: smpp (an SMSC), http (a provider's "
     "REST API) or kannel (a Kannel smsbox).",
     NULL},
    {"SmppServer", CT_HOSTPORT, F(smpp_server), "127.0.0.1:2775", NOLIM, NULL,
     0, "SMPP", "The SMSC, as host:port.", NULL},
    {"SmppSystemId", CT_STRING, F(smpp_system_id), "smsmilter", NOLIM, NULL, 0,
     "SMPP", "system_id to bind with (at most 15 characters).", NULL},
    {"SmppPassword", CT_SECRET, F(smpp_password), NULL, NOLIM, NULL, 0, "SMPP",
     "Password to bind with (at most 8 characters). Prefer "
     "SmppPasswordFile.",
     NULL},
    {"SmppPasswordFile", CT_SECRET_FILE, F(smpp_password), NULL, NOLIM, NULL, 0,
     "SMPP", "A file holding SmppPassword, mode 600.",
     "/etc/smsmilter/smpp.secret"},
    {"SmppSystemType", CT_STRING, F(smpp_system_type), "", NOLIM, NULL, 0,
     "SMPP", "system_type to bind with (at most 12 characters).", NULL},
    {"SmppSourceTon", CT_INT, F(smpp_source_ton), "-1", -1, 6, NULL, 0, "SMPP",
     "Type of number of our sender. -1: from the sender (5 for "
     "alphanumeric, 1 for international, 3 for short codes).",
     NULL},
    {"SmppSourceNpi", CT_INT, F(smpp_source_npi), "-1", -1, 18, NULL, 0, "SMPP",
     "Numbering plan of our sender. -1: from the sender (0 for "
     "alphanumeric, 1 otherwise).",
     NULL},
    {"SmppDestTon", CT_INT, F(smpp_dest_ton), "1", 0, 6, NULL, 0, "SMPP",
     "Type of number of the phone (1: international).", NULL},
    {"SmppDestNpi", CT_INT, F(smpp_dest_npi), "1", 0, 18, NULL, 0, "SMPP",
     "Numbering plan of the phone (1: E.164).", NULL},
    {"SmppWindow", CT_INT, F(smpp_window), "10", 1, 1000, NULL, 0, "SMPP",
     "submit_sm PDUs in flight before waiting for responses, counting the "
     "parts of texts the SMSC took whose record is not yet committed: at "
     "most this many texts go out again after a crash.",
     NULL},
    {"SmppThroughput", CT_INT, F(smpp_throughput), "0", 0, 10000, NULL, 0,
     "SMPP", "Most submit_sm per second. 0: no cap.", NULL},
    {"SmppConcatenation", CT_ENUM, F(smpp_concatenation), "udh", NOLIM,
     concat_modes, 0, "SMPP",
     "How long texts are sent: udh (a user data header in each part), sar "
     "(SAR TLVs) or payload (one message_payload, the SMSC splits).",
     NULL},
    {"SmppBind", CT_ENUM, F(smpp_bind), "transceiver", NOLIM, bind_modes, 0,
     "SMPP", "One bind_transceiver, or split: a transmitter and a receiver.",
     NULL},
    {"SmppResponseTimeout", CT_DURATION, F(smpp_response_timeout), "30s", 1,
     600, NULL, 0, "SMPP",
     "How long to wait for the SMSC's answer to a bind, submit_sm or "
     "enquire_link before taking the link as dead, reconnecting, and "
     "sending again what was not answered.",
     NULL},
    {"SmppPoisonResets", CT_INT, F(smpp_poison_resets), "3", 0, 100, NULL, 0,
     "SMPP",
     "How many link resets one text the SMSC never answers may cause "
     "before smsgw gives it up. The part blamed for a reset (the oldest "
     "unanswered) is sent alone after the reconnect, so the other texts "
     "are not resent with it again; a reset counts against it when the "
     "SMSC answered something else meanwhile. Then the text fails with "
     "NO_ANSWER and its sender is told as NOTIFY asks. 0: never (every "
     "text is resent until it is answered or QueueLifetime ends).",
     NULL},
    {"SmppEnquireLink", CT_DURATION, F(smpp_enquire_link), "30s", 5, 3600, NULL,
     0, "SMPP", "Interval of enquire_link on an idle bind.", NULL},
    {"HttpBaseUrl", CT_URL, F(http_base_url), "", NOLIM, NULL, 0,
     "HTTP provider",
     "Base URL of the provider's REST API of the Twilio kind (required with "
     "Transport http): texts are posted to "
     "BASE/2010-04-01/Accounts/ACCOUNT/Messages.json.",
     "https://api.twilio.com"},
    {"HttpAccount", CT_STRING, F(http_account), "", NOLIM, NULL, 0,
     "HTTP provider", "Account id at the provider.", "AC0123456789"},
    {"HttpToken", CT_SECRET, F(http_token), NULL, NOLIM, NULL, 0,
     "HTTP provider",
     "API token; it also signs the provider's webhooks. Prefer "
     "HttpTokenFile.",
     NULL},
    {"HttpTokenFile", CT_SECRET_FILE, F(http_token), NULL, NOLIM, NULL, 0,
     "HTTP provider", "A file holding HttpToken, mode 600.",
     "/etc/smsmilter/http.secret"},
    {"HttpWindow", CT_INT, F(http_window), "4", 1, 100, NULL, 0,
     "HTTP provider",
     "Requests under way at once, with Transport http or kannel.", NULL},
    {"HttpTimeout", CT_DURATION, F(http_timeout), "30s", 1, 600, NULL, 0,
     "HTTP provider",
     "How long one request to the provider or to Kannel may take. One that "
     "gets no answer in time is sent again (the text may then reach the "
     "phone twice, never zero times), as are answers 429 and 5xx, up to 4 "
     "times with backoff; then the text waits in the queue.",
     NULL},
    {"KannelUrl", CT_URL, F(kannel_url), "", NOLIM, NULL, 0, "Kannel",
     "Kannel's sendsms URL (required with Transport kannel).",
     "http://127.0.0.1:13013/cgi-bin/sendsms"},
    {"KannelUser", CT_STRING, F(kannel_user), "", NOLIM, NULL, 0, "Kannel",
     "sendsms user.", "smsmilter"},
    {"KannelPassword", CT_SECRET, F(kannel_password), NULL, NOLIM, NULL, 0,
     "Kannel", "sendsms password. Prefer KannelPasswordFile.", NULL},
    {"KannelPasswordFile", CT_SECRET_FILE, F(kannel_password), NULL, NOLIM,
     NULL, 0, "Kannel", "A file holding KannelPassword, mode 600.",
     "/etc/smsmilter/kannel.secret"},

    /* webhooks and mail out */
    {"WebhookListen", CT_HOSTPORT, F(webhook_listen), "127.0.0.1:8025", NOLIM,
     NULL, 0, "Webhooks",
     "Where smsgw listens for providers' webhooks and Kannel's get-url.", NULL},
    {"WebhookPublicUrl", CT_URL, F(webhook_public_url), "", NOLIM, NULL, 0,
     "Webhooks",
     "The URL the provider calls, as it sees it (signatures cover it).",
     "https://sms.example.com/webhook"},
    {"WebhookUser", CT_STRING, F(webhook_user), "", NOLIM, NULL, 0, "Webhooks",
     "User for HTTP basic authentication of webhooks.", NULL},
    {"WebhookPassword", CT_SECRET, F(webhook_password), NULL, NOLIM, NULL, 0,
     "Webhooks", "Its password. Prefer WebhookPasswordFile.", NULL},
    {"WebhookPasswordFile", CT_SECRET_FILE, F(webhook_password), NULL, NOLIM,
     NULL, 0, "Webhooks", "A file holding WebhookPassword, mode 600.", NULL},
    {"WebhookThreads", CT_INT, F(webhook_threads), "4", 1, 64, NULL, 0,
     "Webhooks",
     "Threads answering webhook requests, each with a store connection of "
     "its own, so that a request waiting for the store (or up to 2 seconds "
     "for a text still being submitted) holds up only its own thread. At "
     "the next start.",
     NULL},
    {"WebhookMaxConnections", CT_INT, F(webhook_max_connections), "256", 1,
     65536, NULL, 0, "Webhooks",
     "Most connections open to WebhookListen at once, from all clients, "
     "shared evenly among WebhookThreads (so at least WebhookThreads); one "
     "more is closed at once. MetricsListen has as many again. At the next "
     "start.",
     NULL},
    {"WebhookMaxPerClient", CT_INT, F(webhook_max_per_client), "16", 0, 65536,
     NULL, 0, "Webhooks",
     "Most connections open at once from one IP address; one more is closed "
     "at once, so that one client cannot take every connection. A provider "
     "calls from many addresses, each well under 16 at a time; behind a "
     "proxy every request comes from the proxy's address: raise it to "
     "WebhookMaxConnections, or 0 for no limit per address. At the next "
     "start.",
     NULL},
    {"WebhookRequestTimeout", CT_DURATION, F(webhook_request_timeout), "10s", 2,
     3600, NULL, 0, "Webhooks",
     "How long a client may take to send one whole request, headers and "
     "body, counted from the connection's start (or from the end of its "
     "previous request); bytes trickled in do not extend it. The connection "
     "is then closed. It is also how long an idle connection stays open "
     "(that part at the next start).",
     NULL},
    /* texts from phones */
    {"Postmaster", CT_STRING, F(postmaster), "postmaster", NOLIM, NULL, 0,
     "Inbound",
     "Who gets a text that matches no thread when NumberOwners names no "
     "owner for the number it was sent to.",
     NULL},
    {"ReassemblyTimeout", CT_DURATION, F(reassembly_timeout), "5m", 10, 86400,
     NULL, 0, "Inbound",
     "How long smsgw waits for the missing parts of a long text; then it "
     "mails what came, marking each missing part.",
     NULL},
    {"ResendWindow", CT_DURATION, F(resend_window), "1h", 60, 7 * 86400, NULL,
     0, "Inbound",
     "How long smsgw remembers a text from a phone whose SMPP link dropped "
     "before the SMSC was seen to have our answer: the same deliver_sm "
     "coming again on a later link within this time is the SMSC sending "
     "it again (it is answered and not mailed twice). The same words "
     "texted twice on one link are two mails.",
     NULL},
    {"StopWords", CT_PHRASES, F(stop_words),
     "STOP|STOPALL|UNSUBSCRIBE|CANCEL|END|QUIT|OPTOUT|OPT OUT|REVOKE", NOLIM,
     NULL, 0, "Inbound",
     "Texts that opt a phone out, separated by |: the whole text, in any "
     "case, spaces between words as they come. The defaults are what US "
     "carriers and Twilio honour; add the words of your users' languages "
     "(ARRET|BAJA|ALTO).",
     NULL},
    {"StartWords", CT_PHRASES, F(start_words), "START|UNSTOP|YES", NOLIM, NULL,
     0, "Inbound",
     "Texts that opt a phone back in, separated by |. From a phone that is "
     "in they are ordinary answers.",
     NULL},
    {"HelpWords", CT_PHRASES, F(help_words), "HELP|INFO", NOLIM, NULL, 0,
     "Inbound", "Texts answered with HelpText, separated by |.", NULL},
    {"KeywordAnswerLimit", CT_RATE, F(keyword_answer_limit), "1/1h", NOLIM,
     NULL, 0, "Inbound",
     "How often one phone gets the answer to one keyword (StopText, "
     "StartText, HelpText), as COUNT/DURATION; past it the keyword still "
     "acts (an opt-out is an opt-out) and is mailed, but is not answered. "
     "0/1h: no limit.",
     NULL},
    {"StopText", CT_STRING, F(stop_text),
     "You will get no more texts from this number. Reply START to "
     "subscribe again.",
     NOLIM, NULL, 0, "Inbound",
     "The confirmation sent, once, to a phone that texts one of "
     "StopWords. Empty: none.",
     NULL},
    {"StartText", CT_STRING, F(start_text),
     "You will get texts from this number again. Reply STOP to stop.", NOLIM,
     NULL, 0, "Inbound",
     "The answer to one of StartWords from a phone that had opted out. "
     "Empty: none.",
     NULL},
    {"HelpText", CT_STRING, F(help_text),
     "Texts to this number reach a person by email. Reply STOP to stop.", NOLIM,
     NULL, 0, "Inbound", "The answer to one of HelpWords. Empty: none.", NULL},

    {"MetricsListen", CT_HOSTPORT, F(metrics_listen), "", NOLIM, NULL, 0,
     "Webhooks",
     "A second address that serves only /metrics (Prometheus text). "
     "Empty: /metrics is served on WebhookListen alone. Either way, only "
     "to TrustedNetworks or with WebhookUser's password.",
     "127.0.0.1:8028"},
    {"ApiListen", CT_HOSTPORT, F(api_listen), "", NOLIM, NULL, 0, "API",
     "Where smsgw serves the send API (/v1/messages, smsgw-api(7)) to "
     "holders of API keys (smsctl apikey). Empty: no API. Keep it on "
     "loopback and put TLS in front with a reverse proxy. At the next "
     "start.",
     "127.0.0.1:8026"},
    {"ApiThreads", CT_INT, F(api_threads), "8", 1, 64, NULL, 0, "API",
     "API requests answered at once, each with a store connection of its "
     "own (each connection has a thread; a request waits for a free store "
     "connection). The texts of the requests answered at once are "
     "committed together, one disk sync for all, so more is faster under "
     "load. Connections are limited as WebhookMaxConnections, "
     "WebhookMaxPerClient and WebhookRequestTimeout say. At the next "
     "start.",
     NULL},
    {"ApiKeyCacheTime", CT_DURATION, F(api_key_cache_time), "5s", 0, 60, NULL,
     0, "API",
     "How long smsgw trusts an API key it found in the store before it "
     "looks again: within this time a request with the same key is "
     "answered without reading the store for it. So a key revoked with "
     "smsctl apikey revoke is refused by every request at most this long "
     "after (and its last use, as smsctl apikey list shows it, is late "
     "by up to a minute and this). 0: the store is read for every "
     "request.",
     NULL},
    {"SmtpRelay", CT_HOSTPORT, F(smtp_relay), "127.0.0.1:25", NOLIM, NULL, 0,
     "Mail out",
     "Where smsgw sends the mail it makes from texts, reports and "
     "notices.",
     NULL},
    {"UndeliverableMailTo", CT_STRING, F(undeliverable_mail_to), "postmaster",
     NOLIM, NULL, 0, "Mail out",
     "Who gets mail the relay refuses for good (5xx): a text from a phone "
     "whose owner's mailbox is refused, a delivery report nobody takes. "
     "smsgw mails this address the relay's answer with the refused mail "
     "attached, once: if it is refused too, the mail stays failed. Either "
     "way the mail stays in the store (smsctl undelivered). The default, "
     "an unqualified postmaster, is the one address every SMTP server must "
     "take without a domain (RFC 5321 4.5.1): the relay's own postmaster. "
     "Empty: refused mail is only kept and logged.",
     NULL},
    {"MailRetryInterval", CT_DURATION, F(mail_retry_interval), "1m", 1, 86400,
     NULL, 0, "Mail out",
     "How long smsgw waits before offering a mail again when SmtpRelay was "
     "down or answered 4xx.",
     NULL},
    {"MailerSessions", CT_INT, F(mailer_sessions), "4", 1, 32, NULL, 0,
     "Mail out",
     "How many SMTP sessions smsgw keeps with SmtpRelay at once, each "
     "sending a batch of queued mail: more carry a flood of texts from "
     "phones faster; mail of one thread may then reach the relay out of "
     "order (each mail carries its own date and threading headers).",
     NULL},
    {"MailBatch", CT_INT, F(mail_batch), "32", 1, 256, NULL, 0, "Mail out",
     "How many queued mails a session takes at once and sends to SmtpRelay "
     "in one go (pipelined where the relay allows), with one store commit "
     "for their outcomes: in a flood of texts from phones, larger batches "
     "cost the store fewer commits (the SMPP link's thread shares the "
     "database with the mail threads). The cost of larger ones: a batch's "
     "mails are in memory together, each with the pictures fetched into it "
     "(up to InboundMediaMaxTotal); smsgw killed before the relay answered "
     "for a batch sends its mails again; a batch is leased for 10 minutes "
     "plus 2 minutes a mail, which a mail session that dies on another host "
     "leaves behind for that long; a relay that takes only so many mails a "
     "connection defers the rest for MailRetryInterval.",
     NULL},
    {"SmtpPipelining", CT_BOOL, F(smtp_pipelining), "yes", NOLIM, NULL, 0,
     "Mail out",
     "Whether smsgw pipelines its commands (RFC 2920) where SmtpRelay "
     "offers PIPELINING: a mail's MAIL, RCPT and DATA go in one write, "
     "and its message in the next with the following mail's commands, so "
     "each mail costs one round trip instead of four. Each session is "
     "kept while mail comes (closed after 5 seconds without). no: each "
     "command waits for its answer, for a relay that offers PIPELINING "
     "and mishandles it.",
     NULL},
    {"SmtpTls", CT_ENUM, F(smtp_tls), "none", NOLIM, tls_modes, 0, "Mail out",
     "STARTTLS to the relay, the levels named as Postfix's "
     "smtp_tls_security_level. none: plain text. may: STARTTLS when the "
     "relay offers it, the certificate not checked; a failed handshake "
     "defers the mail (Postfix would retry in plain text). encrypt: "
     "STARTTLS or no mail, the certificate not checked: whoever answers "
     "as the relay gets the mail and SmtpPassword. verify: STARTTLS, the "
     "relay's chain must lead to a CA in SmtpTlsCAFile and its "
     "certificate must name SmtpTlsName, else the SmtpRelay host (a DNS "
     "name, wildcards as in RFC 6125, or an address among its IP "
     "addresses); if not, the connection is closed before AUTH or MAIL, "
     "the subject, issuer and reason are logged and the mail waits "
     "MailRetryInterval. secure: the same here. Postfix's secure differs "
     "from its verify in matching the next-hop domain rather than host "
     "names found in MX records, which DNS can forge; smsgw never looks "
     "the relay up in MX records, so both match the name configured. The "
     "words of earlier releases still work: no is none, opportunistic is "
     "may, required is encrypt (it never verified; smsctl config check "
     "says so).",
     NULL},
    {"SmtpTlsCAFile", CT_PATH, F(smtp_tls_ca_file),
     "/etc/ssl/certs/ca-certificates.crt", NOLIM, NULL, 0, "Mail out",
     "PEM file of the CAs trusted with SmtpTls verify or secure: by "
     "default the system's store; a site CA's file for a relay with a "
     "private certificate. Read at each connection.",
     NULL},
    {"SmtpTlsName", CT_STRING, F(smtp_tls_name), "", NOLIM, NULL, 0, "Mail out",
     "The name the relay's certificate must carry with SmtpTls verify or "
     "secure, also sent as the TLS server name. Empty: the host of "
     "SmtpRelay. Set it when SmtpRelay is an address and the certificate "
     "names a host.",
     "mail.example.com"},
    {"SmtpUser", CT_STRING, F(smtp_user), "", NOLIM, NULL, 0, "Mail out",
     "User for SMTP AUTH at the relay. Empty: no AUTH.", NULL},
    {"SmtpPassword", CT_SECRET, F(smtp_password), NULL, NOLIM, NULL, 0,
     "Mail out", "Its password. Prefer SmtpPasswordFile.", NULL},
    {"SmtpPasswordFile", CT_SECRET_FILE, F(smtp_password), NULL, NOLIM, NULL, 0,
     "Mail out", "A file holding SmtpPassword, mode 600.", NULL},

    /* event hooks */
    {"InboundHook", CT_HOOKS, F(inbound_hooks), "", NOLIM, NULL, KEY_REPEAT,
     "Hooks",
     "Where smsgw tells of each text from a phone, as NUMBER METHOD URL "
     "[ok] (one target a line; the key may be repeated): NUMBER is ours "
     "(the one texted, E.164) or * for every number. METHOD POST sends "
     "signed JSON (see smsgw(8)); FORM a form POST of the same fields; "
     "GET fetches URL as a template where {ID} {TIMESTAMP} {FROM} {TO} "
     "{MESSAGE} are replaced, URL-encoded (a URL without them gets the "
     "fields as a query). A final word ok asks the receiver to answer "
     "ok (voip.ms' URL callback retry): any other answer is tried "
     "again; else any 2xx is success. Each hook is stored with the text, "
     "retried until heard (HookRetryFirst, HookRetryInterval) for "
     "HookLifetime, and carries an id that stays the same on every try.",
     "+12025550100 GET https://example.com/sms?from={FROM}&text={MESSAGE} ok"},
    {"ReceiptHook", CT_HOOKS, F(receipt_hooks), "", NOLIM, NULL, KEY_REPEAT,
     "Hooks",
     "Where smsgw tells of each final delivery receipt (delivered, failed, "
     "expired) of a text sent from NUMBER (ours, or * for all), as "
     "InboundHook: NUMBER METHOD URL [ok], one a line. GET templates also "
     "have {STATUS} and {CODE}.",
     "* POST https://example.com/hooks/receipts"},
    {"HookSecret", CT_SECRET, F(hook_secret), NULL, NOLIM, NULL, 0, "Hooks",
     "The key that signs each hook: X-Smsmilter-Signature: t=TIME,v1=HEX, "
     "HEX the HMAC-SHA256 of TIME, a dot and the body (a GET's URL). "
     "Unset: hooks go unsigned. Prefer HookSecretFile. At the next start.",
     NULL},
    {"HookSecretFile", CT_SECRET_FILE, F(hook_secret), NULL, NOLIM, NULL, 0,
     "Hooks", "A file holding HookSecret on its first line, mode 600.",
     "/etc/smsmilter/hook.secret"},
    {"HookRetryFirst", CT_DURATION, F(hook_retry_first), "30s", 1, 86400, NULL,
     0, "Hooks",
     "How long smsgw waits before trying a hook the second time; each "
     "wait after that is twice the one before, up to HookRetryInterval. "
     "At the next start.",
     NULL},
    {"HookRetryInterval", CT_DURATION, F(hook_retry_interval), "30m", 1, 86400,
     NULL, 0, "Hooks",
     "The longest wait between two tries of a hook (voip.ms retries every "
     "30 minutes). At the next start.",
     NULL},
    {"HookLifetime", CT_DURATION, F(hook_lifetime), "3d", 10, 30 * 86400LL,
     NULL, 0, "Hooks",
     "How long smsgw keeps trying a hook; then it gives it up and mails "
     "its owner, once, what was not delivered and why (smsctl hooks "
     "retry ID tries it again). At the next start.",
     NULL},
    {"HookTimeout", CT_DURATION, F(hook_timeout), "10s", 1, 300, NULL, 0,
     "Hooks",
     "How long one try of a hook may take, connection and answer; a "
     "receiver that takes longer is tried again later. At the next start.",
     NULL},
    {"HookAllowPrivate", CT_ENUM, F(hook_allow_private), "no", NOLIM,
     hook_private, 0, "Hooks",
     "Which hooks may go to loopback, private (RFC 1918, fc00::/7), "
     "link-local, CGNAT (100.64.0.0/10), unspecified or multicast "
     "addresses: no, none; site, those InboundHook and ReceiptHook name "
     "(the site's own receivers), never a URL given with a text (the send "
     "API); yes, all. A hook refused is checked again at connect time (a "
     "name that resolves elsewhere later does not get through) and given "
     "up with the reason, so that a URL given with a text cannot reach "
     "the inside of this network. At the next start.",
     NULL},
    {"HookConcurrency", CT_INT, F(hook_concurrency), "4", 1, 64, NULL, 0,
     "Hooks", "Hook requests smsgw has under way at once. At the next start.",
     NULL},

    /* inbound media */
    {"InboundMediaMaxBytes", CT_SIZE, F(inbound_media_max_bytes), "5M", 0,
     100LL * 1024 * 1024, NULL, 0, "Inbound media",
     "The largest photo from a phone (the MediaUrlN of a Twilio-style "
     "webhook) or voicemail recording (recording_url) that smsgw fetches "
     "and attaches to the mail. A larger one stays a link in the mail, "
     "with a note saying why. 0: none is fetched; the mail links them "
     "as before. At the next start.",
     NULL},
    {"InboundMediaMaxTotal", CT_SIZE, F(inbound_media_max_total), "7M", 0,
     1024LL * 1024 * 1024, NULL, 0, "Inbound media",
     "The most bytes of media attached to the mail of one text; those "
     "past it stay links, with a note. Attached, they grow by a third "
     "(base64): keep this under the relay's size limit (Postfix's "
     "message_size_limit, 10 MB by default, which 7M fits). At the next "
     "start.",
     NULL},
    {"InboundMediaTimeout", CT_DURATION, F(inbound_media_timeout), "30s", 1,
     600, NULL, 0, "Inbound media",
     "How long fetching one file may take, connection included. One that "
     "takes longer is tried again (InboundMediaRetries). At the next "
     "start.",
     NULL},
    {"InboundMediaRetries", CT_INT, F(inbound_media_retries), "3", 0, 20, NULL,
     0, "Inbound media",
     "How many times more smsgw tries a file that failed for a reason "
     "that may pass (no answer in time, no connection, an answer 5xx, "
     "408 or 429) before the mail goes with the link and a note. The "
     "mail waits in the store meanwhile, through restarts. At the next "
     "start.",
     NULL},
    {"InboundMediaRetryFirst", CT_DURATION, F(inbound_media_retry_first), "30s",
     1, 3600, NULL, 0, "Inbound media",
     "The wait before the second try of a file; each wait after that is "
     "twice the one before. At the next start.",
     NULL},
    {"InboundMediaHosts", CT_HOSTS, F(inbound_media_hosts), "", NOLIM, NULL, 0,
     "Inbound media",
     "The only hosts media are fetched from (a URL naming any other is "
     "not fetched, and its mail says so), and the only ones that see "
     "HttpAccount and HttpToken, sent as basic authentication. Empty: the "
     "host of HttpBaseUrl (api.twilio.com for Twilio), or none without "
     "it. Name a voicemail system's host here to attach its recordings "
     "(it sees the same credentials). A "
     "redirect is followed only to these hosts, and the credentials go "
     "only to the host a link names, never to where it redirects.",
     "api.twilio.com, pbx.example.com"},
    {"InboundMediaAllowHttp", CT_BOOL, F(inbound_media_allow_http), "no", NOLIM,
     NULL, 0, "Inbound media",
     "Fetch media over plain http from InboundMediaHosts (the credentials "
     "then cross the network in the clear). No: https only. At the next "
     "start.",
     NULL},
    {"InboundMediaAllowPrivate", CT_BOOL, F(inbound_media_allow_private), "no",
     NOLIM, NULL, 0, "Inbound media",
     "Let media be fetched from loopback, private (RFC 1918, fc00::/7), "
     "link-local, CGNAT or multicast addresses, as HookAllowPrivate does "
     "for hooks (a provider on this host or network). Checked at connect "
     "time, whatever the name resolved to before. At the next start.",
     NULL},

    /* process */
    {"UserID", CT_NAME, F(user), "smsmilter", NOLIM, NULL, 0, "Process",
     "User (and :group) the daemons run as once their sockets are open.", NULL},
    {"PidFile", CT_PATH, F(pid_file), "/run/smsmilter/smsmilter.pid", NOLIM,
     NULL, 0, "Process",
     "Where smsmilter writes its process id; locked while it runs, so "
     "that a second smsmilter with the same file refuses to start.",
     NULL},
    {"GatewayPidFile", CT_PATH, F(gateway_pid_file), "/run/smsmilter/smsgw.pid",
     NOLIM, NULL, 0, "Process",
     "Where smsgw writes its process id; locked while it runs, so that a "
     "second smsgw with the same file refuses to start.",
     NULL},
    {"SyslogFacility", CT_FACILITY, F(syslog_facility), "mail", NOLIM, NULL, 0,
     "Process", "syslog facility: mail, daemon, user or local0-local7.", NULL},
    {"LogLevel", CT_ENUM, F(log_level), "info", NOLIM, log_levels, 0, "Process",
     "Least severe messages logged: error, warning, notice, info or debug "
     "(debug also shows phone numbers unmasked).",
     NULL},
};

const size_t conf_nkeys = sizeof(conf_keys) / sizeof(conf_keys[0]);

/* Words of earlier releases. */
const struct conf_alias conf_aliases[] = {
    {"SmtpTls", "no", "none", NULL},
    {"SmtpTls", "opportunistic", "may", NULL},
    {"SmtpTls", "required", "encrypt",
     "it encrypts but does not verify the relay's certificate, so whoever "
     "answers as the relay gets the mail and SmtpPassword; say SmtpTls "
     "verify (with SmtpTlsCAFile for a private CA) to check it, or encrypt "
     "to keep this behaviour"},
};

const size_t conf_naliases = sizeof(conf_aliases) / sizeof(conf_aliases[0]);
