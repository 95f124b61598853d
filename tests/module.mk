# tests/ - unit tests (cmocka), fuzz targets and their corpus replays
CMOCKA_CFLAGS = $(shell $(PKG_CONFIG) --cflags cmocka jansson)
CMOCKA_LIBS = $(shell $(PKG_CONFIG) --libs cmocka jansson)

$(O)/tests/unit/%.o: CPPFLAGS += $(CMOCKA_CFLAGS) \
	$(shell $(PKG_CONFIG) --cflags libutf8proc)

TEST_SMS_SRCS := tests/unit/test_sms.c tests/unit/test_sms_text.c \
	tests/unit/test_sms_udh.c tests/unit/test_sms_phone.c \
	tests/unit/test_sms_vectors.c tests/unit/test_sms_fast.c \
	tests/unit/test_sms_inbound.c
$(O)/tests/test_sms: $(TEST_SMS_SRCS:%.c=$(O)/%.o) $(SMS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_sms

$(O)/tests/test_util: $(O)/tests/unit/test_util.o $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_util

$(O)/tests/test_conf: $(O)/tests/unit/test_conf.o $(CONF_LIB) $(SMS_LIB) \
	$(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_conf

$(O)/tests/unit/test_store.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags libpq)
$(O)/tests/test_store: $(O)/tests/unit/test_store.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_store

$(O)/tests/unit/test_store_procs.o: CPPFLAGS += $(shell $(PKG_CONFIG) --cflags libpq)
$(O)/tests/test_store_procs: $(O)/tests/unit/test_store_procs.o $(STORE_LIB) \
	$(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS) $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_store_procs

$(O)/tests/test_mailparse: $(O)/tests/unit/test_mailparse.o \
	$(MAILPARSE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(MAILPARSE_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_mailparse.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_mailparse

$(O)/tests/test_compose: $(O)/tests/unit/test_compose.o \
	$(MAILPARSE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(MAILPARSE_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_compose.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_compose

$(O)/tests/test_policy: $(O)/tests/unit/test_policy.o $(POLICY_LIB) \
	$(STORE_LIB) $(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_LIBS) $(STORE_LIBS) \
	    $(MAILPARSE_LIBS) $(SMS_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_policy.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_policy

$(O)/tests/test_hooks: $(O)/tests/unit/test_hooks.o $(POLICY_LIB) \
	$(STORE_LIB) $(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_LIBS) $(STORE_LIBS) \
	    $(MAILPARSE_LIBS) $(SMS_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_hooks.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_hooks

$(O)/tests/test_milter: $(O)/tests/unit/test_milter.o $(O)/milter/socket.o
	$(CC) $(LDFLAGS) -o $@ $^ $(CMOCKA_LIBS)

TESTS += $(O)/tests/test_milter

$(O)/tests/test_runner: $(O)/tests/unit/test_runner.o $(GATEWAY_LIB) \
	$(POLICY_LIB) $(TRANSPORT_LIB) $(STORE_LIB) $(MAILPARSE_LIB) \
	$(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(GATEWAY_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_runner.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_runner

$(O)/tests/test_transport: $(O)/tests/unit/test_transport.o $(TRANSPORT_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(TRANSPORT_LIBS) $(CMOCKA_LIBS) -pthread

TESTS += $(O)/tests/test_transport

$(O)/tests/test_gateway: $(O)/tests/unit/test_gateway.o $(GATEWAY_LIB) \
	$(POLICY_LIB) $(TRANSPORT_LIB) $(STORE_LIB) $(MAILPARSE_LIB) \
	$(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(GATEWAY_LIBS) $(CMOCKA_LIBS)
$(O)/tests/unit/test_gateway.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

TESTS += $(O)/tests/test_gateway

# A helper of the command-line tests: fills a store through its API.
$(O)/tests/store_fill: $(O)/tests/cli/store_fill.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS)

HELPERS := $(O)/tests/store_fill

# Another: an Authorization header checked as the send API checks it.
$(O)/tests/apikey_auth: $(O)/tests/cli/apikey_auth.o $(POLICY_LIB) \
	$(STORE_LIB) $(MAILPARSE_LIB) $(CONF_LIB) $(SMS_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(POLICY_LIBS) $(STORE_LIBS) \
	    $(MAILPARSE_LIBS) $(SMS_LIBS)
$(O)/tests/cli/apikey_auth.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

HELPERS += $(O)/tests/apikey_auth

# Another: the PostgreSQL migrations printed, and a SQLite store made,
# for tests/store/test_pg_schema.sh to compare.
$(O)/tests/pg_schema: $(O)/tests/store/pg_schema.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS)

HELPERS += $(O)/tests/pg_schema
tests: $(HELPERS)

# Fuzz targets: for each NAME, tests/fuzz/fuzz_NAME.c, the libraries
# it links (FUZZ_LIBS_NAME, paths under the build directory), their
# link flags (FUZZ_LDLIBS_NAME) and compile flags (FUZZ_CFLAGS_NAME).
FUZZERS := sms_codec sms_inbound mailparse html compose webhook policy \
	smpp api media media_in
FUZZ_LIBS_sms_codec := sms/libsms.a
FUZZ_LDLIBS_sms_codec := $(SMS_LIBS)
FUZZ_LIBS_sms_inbound := sms/libsms.a
FUZZ_LDLIBS_sms_inbound := $(SMS_LIBS)
FUZZ_LIBS_mailparse := mailparse/libmailparse.a util/libutil.a
FUZZ_LDLIBS_mailparse := $(MAILPARSE_LIBS)
FUZZ_CFLAGS_mailparse := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_html := $(FUZZ_LIBS_mailparse)
FUZZ_LDLIBS_html := $(MAILPARSE_LIBS)
FUZZ_CFLAGS_html := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_compose := $(FUZZ_LIBS_mailparse)
FUZZ_LDLIBS_compose := $(MAILPARSE_LIBS)
FUZZ_CFLAGS_compose := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_media_in := $(FUZZ_LIBS_mailparse)
FUZZ_LDLIBS_media_in := $(MAILPARSE_LIBS)
FUZZ_CFLAGS_media_in := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_webhook := gateway/libsmsgw.a policy/libpolicy.a \
	transport/libtransport.a store/libstore.a mailparse/libmailparse.a \
	conf/libconf.a sms/libsms.a util/libutil.a
FUZZ_LDLIBS_webhook := $(GATEWAY_LIBS)
FUZZ_CFLAGS_webhook := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_policy := policy/libpolicy.a store/libstore.a \
	mailparse/libmailparse.a conf/libconf.a sms/libsms.a util/libutil.a
FUZZ_LDLIBS_policy := $(POLICY_LIBS) $(STORE_LIBS) $(MAILPARSE_LIBS) \
	$(SMS_LIBS)
FUZZ_CFLAGS_policy := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_api := $(FUZZ_LIBS_webhook)
FUZZ_LDLIBS_api := $(GATEWAY_LIBS)
FUZZ_CFLAGS_api := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_media := $(FUZZ_LIBS_webhook)
FUZZ_LDLIBS_media := $(GATEWAY_LIBS)
FUZZ_CFLAGS_media := $(MAILPARSE_CFLAGS)
FUZZ_LIBS_smpp := transport/libtransport.a
FUZZ_LDLIBS_smpp := $(TRANSPORT_LIBS)
FUZZ_CFLAGS_smpp := $(shell $(PKG_CONFIG) --cflags libsmpp34)

# Corpus replay: each target linked with a plain main(), run in check.
define replay_rule
$$(O)/tests/replay_$(1): $$(O)/tests/fuzz/fuzz_$(1).o \
	$$(O)/tests/fuzz/replay.o $$(addprefix $$(O)/,$$(FUZZ_LIBS_$(1)))
	$$(CC) $$(LDFLAGS) -o $$@ $$^ $$(FUZZ_LDLIBS_$(1))
$$(O)/tests/fuzz/fuzz_$(1).o: CPPFLAGS += $$(FUZZ_CFLAGS_$(1))
endef
$(foreach f,$(FUZZERS),$(eval $(call replay_rule,$(f))))

TESTS += $(FUZZERS:%=$(O)/tests/replay_%)

# libFuzzer builds (clang), outside check: the libraries with coverage
# instrumentation, each target linked with libFuzzer; the corpus grows
# in tests/fuzz/corpus/NAME, which check replays. FUZZ=NAME runs one.
FUZZ_O := build/fuzz
FUZZ_SECONDS ?= 300
# An input that runs longer is a finding (a hang), not a stalled run.
FUZZ_TIMEOUT ?= 25
FUZZ_SAN := address,undefined
FUZZ ?= $(FUZZERS)

fuzz:
	@for f in $(FUZZ); do \
	    libs=$$($(MAKE) -s --no-print-directory -f Makefile \
	        fuzz-libs-$$f); \
	    $(MAKE) --no-print-directory O=$(FUZZ_O) CC=clang \
	        SANITIZE=fuzzer-no-link,$(FUZZ_SAN) \
	        $$(for l in $$libs; do echo $(FUZZ_O)/$$l; done) || exit 1; \
	    clang -g -O1 -I. -fsanitize=fuzzer,$(FUZZ_SAN) \
	        -fno-sanitize-recover=all \
	        $$($(MAKE) -s --no-print-directory fuzz-cflags-$$f) \
	        -o $(FUZZ_O)/fuzz_$$f tests/fuzz/fuzz_$$f.c \
	        $$(for l in $$libs; do echo $(FUZZ_O)/$$l; done) \
	        $$($(MAKE) -s --no-print-directory fuzz-ldlibs-$$f) \
	        || exit 1; \
	    mkdir -p tests/fuzz/corpus/$$f; \
	    echo "fuzz: $$f for $(FUZZ_SECONDS)s"; \
	    $(FUZZ_O)/fuzz_$$f -max_total_time=$(FUZZ_SECONDS) \
	        -detect_leaks=1 -max_len=65536 -print_final_stats=1 \
	        -rss_limit_mb=4096 -timeout=$(FUZZ_TIMEOUT) \
	        tests/fuzz/corpus/$$f || exit 1; \
	done

fuzz-libs-%:
	@echo $(FUZZ_LIBS_$*)
fuzz-cflags-%:
	@echo $(FUZZ_CFLAGS_$*)
fuzz-ldlibs-%:
	@echo $(FUZZ_LDLIBS_$*)
