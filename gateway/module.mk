# gateway/ - smsgw, the gateway daemon: the queue runner over a transport
GATEWAY_SRCS := gateway/main.c gateway/runner.c
SMSGW := $(O)/smsgw

$(SMSGW): $(GATEWAY_SRCS:%.c=$(O)/%.o) $(TRANSPORT_LIB) $(STORE_LIB) \
	$(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(TRANSPORT_LIBS) $(STORE_LIBS) $(SMS_LIBS)

PROGRAMS += $(SMSGW)
MAN_PAGES += man/smsgw.8
