# sms/ - pure SMS logic (codec, segments, UDH, numbers); needs utf8proc
SMS_SRCS := sms/decode.c sms/gsm7.c sms/inbound.c sms/nfc.c sms/phone.c \
	sms/plan.c sms/scan.c sms/smart.c sms/udh.c sms/utf.c
SMS_LIB := $(O)/sms/libsms.a
SMS_CFLAGS := $(shell $(PKG_CONFIG) --cflags libutf8proc)
SMS_LIBS := $(shell $(PKG_CONFIG) --libs libutf8proc)

$(SMS_LIB): $(SMS_SRCS:%.c=$(O)/%.o) $(O)/sms/nfc_table.o
$(O)/sms/%.o: CPPFLAGS += $(SMS_CFLAGS)

# The NFC quick-check table, generated from the utf8proc we link with.
# The generator is a build tool: plain flags, no sanitizers.
$(O)/sms/gen_nfc_table: sms/gen_nfc_table.c
	@mkdir -p $(@D)
	cc -O1 $(SMS_CFLAGS) -o $@ $< $(SMS_LIBS)
$(O)/sms/nfc_table.c: $(O)/sms/gen_nfc_table
	$< > $@.tmp && mv $@.tmp $@
$(O)/sms/nfc_table.o: $(O)/sms/nfc_table.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<
