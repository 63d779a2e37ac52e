# The two commands of the README.  Both install what is missing first.
#   make demo   build, then run the three-nation demo (make demo SERVE=1: the nodes keep
#               running and serve their web pictures until Ctrl-C, as mwx demo --serve)
#   make test   build (normal and ASan+UBSan), then run every test in both
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2

.PHONY: all deps build build-asan test test-fast demo bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DMWX_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)

test-fast: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# Both passes run whatever the first gives (a failure in the normal build must
# not hide the sanitizers' verdict); make test fails if either failed.
test: build build-asan
	@rc=0; \
	echo "== tests (RelWithDebInfo) =="; \
	(cd $(BUILD) && ctest --output-on-failure -j$(JOBS)) || rc=1; \
	echo "== tests (AddressSanitizer + UBSan) =="; \
	(cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j$(JOBS)) || rc=1; \
	[ $$rc = 0 ] || echo "make test: FAILED (see the ctest summaries above)"; \
	exit $$rc

demo: build
	@./$(BUILD)/mwx demo $(if $(SERVE),--serve)

bench: build
	@bash bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
