# milter/ - smsmilter, the milter daemon: libmilter glue, the RCPT
# decision and the end-of-message job over policy/ and everything below
MILTER_SRCS := milter/main.c milter/callbacks.c milter/rcpt.c milter/eom.c \
	milter/commit.c \
	milter/socket.c milter/metrics.c
SMSMILTER := $(O)/smsmilter

$(SMSMILTER): $(MILTER_SRCS:%.c=$(O)/%.o) $(POLICY_LIB) $(STORE_LIB) \
	$(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lmilter -pthread $(POLICY_LIBS) \
	    $(STORE_LIBS) $(MAILPARSE_LIBS) $(SMS_LIBS)
$(O)/milter/%.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

PROGRAMS += $(SMSMILTER)
MAN_PAGES += man/smsmilter.8
