# gateway/ - smsgw, the gateway daemon: the queue runner over a transport,
# delivery reports, and the mail queue out over SMTP (libetpan). All but
# main.c form libsmsgw.a, which the webhook fuzz target links too.
GATEWAY_LIB_SRCS := gateway/form.c gateway/inbound.c gateway/mailer.c \
	gateway/relay.c \
	gateway/metrics.c gateway/providers.c gateway/receipt.c \
	gateway/report.c gateway/runner.c gateway/webhook.c \
	gateway/api.c gateway/forward.c gateway/hooks.c gateway/media.c \
	gateway/media_in.c gateway/notify.c gateway/jsonw.c gateway/spool.c
GATEWAY_LIB := $(O)/gateway/libsmsgw.a
SMSGW := $(O)/smsgw
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd)
ETPAN_LIBS := $(filter-out -specs=% -Wl%,$(shell $(PKG_CONFIG) --libs libetpan))
# libetpan on Debian is built with GnuTLS; relay.c verifies the relay's
# certificate chain with it (libetpan cannot, with GnuTLS)
GNUTLS_CFLAGS := $(shell $(PKG_CONFIG) --cflags gnutls)
GNUTLS_LIBS := $(shell $(PKG_CONFIG) --libs gnutls)
# What a program linking $(GATEWAY_LIB) and the libraries below it needs.
GATEWAY_LIBS := -pthread $(TRANSPORT_LIBS) $(POLICY_LIBS) $(STORE_LIBS) \
	$(MAILPARSE_LIBS) $(ETPAN_LIBS) $(GNUTLS_LIBS) $(MHD_LIBS) $(SMS_LIBS)

$(GATEWAY_LIB): $(GATEWAY_LIB_SRCS:%.c=$(O)/%.o)

$(SMSGW): $(O)/gateway/main.o $(GATEWAY_LIB) $(POLICY_LIB) $(TRANSPORT_LIB) \
	$(STORE_LIB) $(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(GATEWAY_LIBS)
$(O)/gateway/%.o: CPPFLAGS += $(MAILPARSE_CFLAGS)
$(O)/gateway/relay.o: CPPFLAGS += $(GNUTLS_CFLAGS)

PROGRAMS += $(SMSGW)
MAN_PAGES += man/smsgw.8 man/smsgw-api.7
