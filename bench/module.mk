# bench/ - benchmarks; each prints "bench: NAME VALUE UNIT" lines and
# "ratio: NAME VALUE" (ours / theirs, higher is better)
$(O)/bench/bench_codec: $(O)/bench/bench_codec.o $(SMS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS)

$(O)/bench/bench_store: $(O)/bench/bench_store.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS)

$(O)/bench/bench_mailparse: $(O)/bench/bench_mailparse.o $(MAILPARSE_LIB) \
	$(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(MAILPARSE_LIBS)
$(O)/bench/bench_mailparse.o: CPPFLAGS += $(MAILPARSE_CFLAGS)

$(O)/bench/hook_queue: $(O)/bench/hook_queue.o $(STORE_LIB) $(UTIL_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(STORE_LIBS)

$(O)/bench/floor_milter: $(O)/bench/floor_milter.o
	$(CC) $(LDFLAGS) -o $@ $^ -lmilter -pthread

$(O)/bench/httpload: $(O)/bench/httpload.o
	$(CC) $(LDFLAGS) -o $@ $^ -pthread

bench:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory $(O)/bench/bench_codec \
	    $(O)/bench/bench_store $(O)/bench/bench_mailparse \
	    $(O)/bench/hook_queue
	@$(MAKE) --no-print-directory $(O)/smsmilter $(O)/smsgw $(O)/smsctl \
	    $(O)/bench/floor_milter $(O)/bench/httpload
	@sh bench/run.sh $(O)
