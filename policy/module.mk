# policy/ - the site's rules, one copy for every entry point: who may
# send as whom, owners, sender numbers, number rules, thread tags,
# quotas and rates, NOTIFY, and planning a text from the config.
# Below milter/, gateway/ and tools/; needs store/ and everything under it.
POLICY_SRCS := policy/policy.c policy/number.c policy/notify.c \
	policy/plan.c policy/keyword.c policy/render.c policy/route.c \
	policy/tag.c policy/pool.c policy/sender.c \
	policy/send.c policy/apikey.c policy/hook.c policy/media.c
POLICY_LIB := $(O)/policy/libpolicy.a
POLICY_LIBS := $(shell $(PKG_CONFIG) --libs nettle jansson)

$(POLICY_LIB): $(POLICY_SRCS:%.c=$(O)/%.o)
$(O)/policy/%.o: CPPFLAGS += $(MAILPARSE_CFLAGS) \
	$(shell $(PKG_CONFIG) --cflags jansson)
