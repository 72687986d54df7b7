# The two commands of the README: `make podcast` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: podcast test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py src/radiocast/locale/vi/LC_MESSAGES/radiocast.po
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Build this repository's podcast from seeds/ and serve it. Offline, the article is read by the
# machine voice (podcast.toml: narrate = true); an episode that still fails is reported, the rest served.
podcast: $(VENV)/.installed
	-$(BIN)/radiocast publish
	$(BIN)/radiocast serve

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# The whole suite under the bundled ffmpeg (the default), then the modules that run ffmpeg again
# under the system's, when there is one: Debian 12's 5.1 lacks options the bundled one has.
FFMPEG_TESTS := tests/test_audio.py tests/integration/test_narration.py tests/integration/test_recordings.py \
	tests/test_align.py tests/test_speech.py

test: lint
	RADIOCAST_FFMPEG=bundled $(BIN)/pytest
	@if command -v ffmpeg >/dev/null; then \
		echo "Again under the system ffmpeg, $$(command -v ffmpeg):"; \
		RADIOCAST_FFMPEG=system $(BIN)/pytest $(FFMPEG_TESTS); \
	else \
		echo "No ffmpeg on PATH: the audio tests under the system ffmpeg are skipped (apt install ffmpeg to run them)"; \
	fi

# Every benchmark in turn (a few minutes each, the first publish/deploy ones longer); each prints its
# numbers against a reference measured in the same run and exits 1 when it misses its goal. All run
# even when one misses; the target fails if any did.
BENCHMARKS := startup fetch_throughput audio_processing alignment narration pages publish_unchanged \
	deploy_unchanged feed_build questions
bench: $(VENV)/.installed
	@failed=""; for b in $(BENCHMARKS); do \
		echo "== benchmarks/$$b.py"; $(BIN)/python benchmarks/$$b.py || failed="$$failed $$b"; \
	done; \
	if [ -n "$$failed" ]; then echo "goals missed:$$failed"; exit 1; fi

