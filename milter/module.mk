# milter/ - smsmilter, the milter daemon (libmilter), and the policy
# library smsctl shares with it; needs every module but transport/
MILTER_LIB_SRCS := milter/policy.c milter/render.c milter/socket.c \
	milter/tag.c
MILTER_LIB := $(O)/milter/libsmsmilter.a
MILTER_SRCS := milter/main.c milter/callbacks.c milter/commit.c
MILTER_LIBS := $(shell $(PKG_CONFIG) --libs nettle)
SMSMILTER := $(O)/smsmilter

$(MILTER_LIB): $(MILTER_LIB_SRCS:%.c=$(O)/%.o)
$(O)/milter/%.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

$(SMSMILTER): $(MILTER_SRCS:%.c=$(O)/%.o) $(MILTER_LIB) $(STORE_LIB) \
	$(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ -lmilter -pthread $(MILTER_LIBS) \
	    $(STORE_LIBS) $(MAILPARSE_LIBS) $(SMS_LIBS)

PROGRAMS += $(SMSMILTER)
MAN_PAGES += man/smsmilter.8
