# bench/ - benchmarks; each prints "bench: NAME VALUE UNIT" lines and
# "ratio: NAME VALUE" (ours / theirs, higher is better)
$(O)/bench/bench_codec: $(O)/bench/bench_codec.o $(SMS_LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(SMS_LIBS)

bench:
	@sh scripts/deps.sh
	@$(MAKE) --no-print-directory $(O)/bench/bench_codec
	@sh bench/run.sh $(O)
