# tests/ - unit tests (cmocka), fuzz targets and their corpus replays
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka jansson)
CMOCKA_LIBS := $(shell $(PKG_CONFIG) --libs cmocka jansson)

$(O)/tests/unit/%.o: CPPFLAGS += $(CMOCKA_CFLAGS) \
	$(shell $(PKG_CONFIG) --cflags libutf8proc)

TEST_SMS_SRCS := tests/unit/test_sms.c tests/unit/test_sms_text.c \
	tests/unit/test_sms_udh.c tests/unit/test_sms_phone.c \
	tests/unit/test_sms_vectors.c
$(O)/tests/test_sms: $(TEST_SMS_SRCS:%.c=$(O)/%.o) $(SMS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_sms

$(O)/tests/test_conf: $(O)/tests/unit/test_conf.o $(CONF_LIB) $(SMS_LIB) \
	$(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_conf

$(O)/tests/test_store: $(O)/tests/unit/test_store.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_store

$(O)/tests/test_store_procs: $(O)/tests/unit/test_store_procs.o $(STORE_LIB) \
	$(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_store_procs

$(O)/tests/test_mailparse: $(O)/tests/unit/test_mailparse.o \
	$(MAILPARSE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(MAILPARSE_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_mailparse.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_mailparse

# A helper of the command-line tests: fills a store through its API.
$(O)/tests/store_fill: $(O)/tests/cli/store_fill.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS)

HELPERS := $(O)/tests/store_fill
tests: $(HELPERS)

# Fuzz targets: FUZZ_<name> lists the libraries a target links.
FUZZERS := sms_codec
FUZZ_sms_codec := $(SMS_LIB)

# Corpus replay: the target linked with a plain main(), run in check.
$(O)/tests/replay_%: $(O)/tests/fuzz/fuzz_%.o $(O)/tests/fuzz/replay.o \
	$(SMS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS)

TESTS += $(FUZZERS:%=$(O)/tests/replay_%)

# libFuzzer builds (clang), outside check: the library with coverage
# instrumentation, each target linked with libFuzzer; the corpus grows
# in tests/fuzz/corpus/<name>, which check replays.
FUZZ_O := build/fuzz
FUZZ_SECONDS ?= 300
FUZZ_SAN := address,undefined

fuzz:
	@$(MAKE) --no-print-directory O=$(FUZZ_O) CC=clang \
	    SANITIZE=fuzzer-no-link,$(FUZZ_SAN) $(FUZZ_O)/sms/libsms.a
	@for f in $(FUZZERS); do \
	    clang -g -O1 -I. -fsanitize=fuzzer,$(FUZZ_SAN) \
	        -fno-sanitize-recover=all -o $(FUZZ_O)/fuzz_$$f \
	        tests/fuzz/fuzz_$$f.c $(FUZZ_O)/sms/libsms.a $(SMS_LIBS) \
	        || exit 1; \
	    mkdir -p tests/fuzz/corpus/$$f; \
	    echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
	    $(FUZZ_O)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -detect_leaks=1 -max_len=4096 -print_final_stats=1 \
	        tests/fuzz/corpus/$$f || exit 1; \
	done
