# tools/ - smsctl, the admin's command line
SMSCTL_SRCS := tools/smsctl.c tools/cmd_segments.c tools/cmd_config.c \
	tools/cmd_store.c tools/cmd_people.c tools/cmd_render.c tools/cmd_send.c tools/cmd_tag.c \
	tools/cmd_pool.c tools/cmd_mailq.c tools/cmd_apikey.c tools/cmd_hooks.c \
	tools/cmd_media.c \
	tools/common.c
SMSCTL := $(O)/smsctl

$(SMSCTL): $(SMSCTL_SRCS:%.c=$(O)/%.o) $(POLICY_LIB) $(STORE_LIB) \
	$(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_LIBS) $(STORE_LIBS) \
	    $(MAILPARSE_LIBS) $(SMS_LIBS) \
	    $(shell $(PKG_CONFIG) --libs jansson)
$(O)/tools/%.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags jansson) \
	$(MAILPARSE_CFLAGS)

PROGRAMS += $(SMSCTL)
MAN_PAGES += man/smsctl.1 man/smsmilter.conf.5
