# conf/ - smsmilter.conf into an immutable struct conf; needs sms/, util/
CONF_SRCS := conf/conf.c conf/keys.c conf/print.c conf/reload.c conf/types.c
CONF_LIB := $(O)/conf/libconf.a

$(CONF_LIB): $(CONF_SRCS:%.c=$(O)/%.o)
