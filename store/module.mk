# store/ - the store on SQLite or PostgreSQL; the only module with SQL; needs util/
STORE_SRCS := store/db.c store/delivery.c store/history.c store/inbound.c \
	store/lease.c store/limits.c store/mailq.c store/people.c \
	store/pool.c store/queue.c store/schema.c store/threads.c \
	store/forwards.c store/apikeys.c store/hooks.c store/committer.c \
	store/media.c store/sq.c store/pg.c store/schema_pg.c \
	store/copy.c
STORE_LIB := $(O)/store/libstore.a
STORE_LIBS := $(shell $(PKG_CONFIG) --libs sqlite3 libpq)

$(STORE_LIB): $(STORE_SRCS:%.c=$(O)/%.o)
$(O)/store/%.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags sqlite3 libpq)
