# mailparse/ - mail in (gmime), SMS-ready text out; needs util/
MAILPARSE_SRCS := mailparse/html.c mailparse/parse.c mailparse/reply.c \
	mailparse/voicemail.c mailparse/compose.c mailparse/dsn.c \
	mailparse/text.c mailparse/tag.c mailparse/media.c mailparse/plain.c
MAILPARSE_LIB := $(O)/mailparse/libmailparse.a
MAILPARSE_CFLAGS := $(shell $(PKG_CONFIG) --cflags gmime-3.0)
MAILPARSE_LIBS := $(shell $(PKG_CONFIG) --libs gmime-3.0)

$(MAILPARSE_LIB): $(MAILPARSE_SRCS:%.c=$(O)/%.o)
$(O)/mailparse/%.o: CPPFLAGS += $(MAILPARSE_CFLAGS)
