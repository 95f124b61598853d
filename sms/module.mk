# sms/ - pure SMS logic (codec, segments, UDH, numbers); needs utf8proc
SMS_SRCS := sms/gsm7.c sms/nfc.c sms/phone.c sms/plan.c sms/smart.c sms/udh.c \
	sms/utf.c
SMS_LIB := $(O)/sms/libsms.a
SMS_LIBS := $(shell $(PKG_CONFIG) --libs libutf8proc)

$(SMS_LIB): $(SMS_SRCS:%.c=$(O)/%.o)
$(O)/sms/%.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags libutf8proc)
