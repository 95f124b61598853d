# gateway/ - smsgw, the gateway daemon: the queue runner over a transport,
# delivery reports, and the mail queue out over SMTP (libetpan)
GATEWAY_SRCS := gateway/inbound.c gateway/main.c gateway/mailer.c \
	gateway/report.c gateway/webhook.c gateway/metrics.c \
	gateway/runner.c
SMSGW := $(O)/smsgw
MHD_LIBS := $(shell $(PKG_CONFIG) --libs libmicrohttpd)
ETPAN_LIBS := $(filter-out -specs=% -Wl%,$(shell $(PKG_CONFIG) --libs libetpan))

$(SMSGW): $(GATEWAY_SRCS:%.c=$(O)/%.o) $(MILTER_LIB) $(TRANSPORT_LIB) $(STORE_LIB) \
	$(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -pthread $(TRANSPORT_LIBS) $(MILTER_LIBS) $(STORE_LIBS) \
	    $(MAILPARSE_LIBS) $(ETPAN_LIBS) $(MHD_LIBS) $(SMS_LIBS)
$(O)/gateway/%.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

PROGRAMS += $(SMSGW)
MAN_PAGES += man/smsgw.8
