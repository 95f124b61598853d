# util/ - arena, growable strings; libc only
UTIL_SRCS := util/arena.c util/buf.c util/clock.c util/daemon.c util/pidfile.c \
	util/random.c util/version.c
UTIL_LIB := $(O)/util/libutil.a

$(UTIL_LIB): $(UTIL_SRCS:%.c=$(O)/%.o)
