# FaceNAS — build, test and demo entry points. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SYSTEM_PACKAGES := libopenblas-dev libturbojpeg0-dev libpng-dev zlib1g-dev pkg-config
TEST_PACKAGES := dataset-fashion-mnist python3-venv chromium openmpi-bin python3-torch python3-onnx
FMNIST := /usr/share/datasets/fashion-mnist
VENV := .venv
PYTHON := $(CURDIR)/$(VENV)/bin/python
SWIFT_FLAGS := -c release
BIN := .build/release/facenas

# OpenBLAS 0.3.21 misdetects recent Xeons and runs its SSE3 kernels (~5x slower); the facenas
# binary fixes this itself, the test binary gets it here. A value set by the caller is kept.
CORETYPE := $(shell if [ -n "$$OPENBLAS_CORETYPE" ]; then echo "$$OPENBLAS_CORETYPE"; \
	elif grep -qw avx512f /proc/cpuinfo 2>/dev/null; then echo SKYLAKEX; \
	elif grep -qw avx2 /proc/cpuinfo 2>/dev/null; then echo HASWELL; fi)
export OPENBLAS_CORETYPE := $(CORETYPE)

.PHONY: help deps test-deps build check-imports test demo bench search-smoke study-smoke clean mtcnn-weights test-photos

# MTCNN: facenet-pytorch's weights (MIT) converted by facenas itself, and the three real photos the
# detection tests run on. Fetched from PyPI/Debian into .cache/mtcnn only when missing; nothing of
# it is committed (t1.jpg's rights are unclear).
MTCNN_CACHE := .cache/mtcnn
MTCNN_WEIGHTS := models/mtcnn
DETECT_PHOTOS := $(MTCNN_CACHE)/photos
PIP := python3 -m pip

help:
	@echo "make demo   install system packages, build (release), run the demo"
	@echo "make test   check imports, install test dependencies, build, run the test suite (~15 min on 2 cores)"
	@echo "make bench  throughput of the reference cases (compare with shared/bench/torch_reference.py)"
	@echo "make search-smoke  a real Fashion-MNIST search on 2 seeds + retraining check (~1 h on 2 cores)"
	@echo "make study-smoke   a real Fashion-MNIST ranking study, 20 networks (~20 min on 2 busy cores)"

# Installs what is missing with apt-get when run as root; otherwise prints the one line to run.
define apt_install
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) || exit 1; \
	  else \
	    echo "missing system packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

deps:
	$(call apt_install,$(SYSTEM_PACKAGES))

test-deps: deps
	$(call apt_install,$(TEST_PACKAGES))
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@$(PYTHON) -c "import numpy, safetensors, scipy, onnx, onnxruntime, PIL" 2>/dev/null || \
	  $(PYTHON) -m pip install -q numpy safetensors scipy onnx onnxruntime pillow

build: deps
	swift build $(SWIFT_FLAGS) --product facenas

# Every import a target makes is declared in Package.swift, and none points up the target graph
# (ARCHITECTURE.md); seconds, so it runs before the build.
check-imports:
	python3 scripts/check-imports.py

mtcnn-weights: build
	@if [ ! -f $(MTCNN_WEIGHTS)/onet.safetensors ]; then \
	  mkdir -p $(MTCNN_CACHE) && \
	  $(PIP) download -q --no-deps -d $(MTCNN_CACHE) facenet-pytorch==2.6.0 && \
	  unzip -o -q $(MTCNN_CACHE)/facenet_pytorch-2.6.0-py3-none-any.whl 'facenet_pytorch/*' 'facenet_pytorch-2.6.0.dist-info/*' -d $(MTCNN_CACHE) && \
	  $(BIN) detect --convert-weights $(MTCNN_CACHE)/facenet_pytorch/data --out $(MTCNN_WEIGHTS) && \
	  cp $(MTCNN_CACHE)/facenet_pytorch-2.6.0.dist-info/LICENSE.md $(MTCNN_WEIGHTS)/LICENSE-facenet-pytorch.md; \
	fi

test-photos:
	@mkdir -p $(DETECT_PHOTOS)
	@test -f $(DETECT_PHOTOS)/t1.jpg || { $(PIP) download -q --no-deps -d $(MTCNN_CACHE) insightface==0.7.3 && \
	  tar -xzf $(MTCNN_CACHE)/insightface-0.7.3.tar.gz -C $(MTCNN_CACHE) insightface-0.7.3/insightface/data/images/t1.jpg && \
	  cp $(MTCNN_CACHE)/insightface-0.7.3/insightface/data/images/t1.jpg $(DETECT_PHOTOS)/; }
	@test -f $(DETECT_PHOTOS)/messi5.jpg || { cd $(MTCNN_CACHE) && apt-get download opencv-doc >/dev/null 2>&1 && \
	  dpkg-deb -x opencv-doc_*.deb opencv-doc && cp opencv-doc/usr/share/doc/opencv-doc/examples/data/messi5.jpg photos/; }
	@test -f $(DETECT_PHOTOS)/astronaut.png || { cd $(MTCNN_CACHE) && apt-get download python3-skimage >/dev/null 2>&1 && \
	  dpkg-deb -x python3-skimage_*.deb skimage && cp skimage/usr/lib/python3/dist-packages/skimage/data/astronaut.png photos/; }

test: check-imports test-deps build mtcnn-weights test-photos
	FACENAS_MTCNN_DIR=$(CURDIR)/$(MTCNN_CACHE)/facenet_pytorch/data FACENAS_MTCNN_WEIGHTS=$(CURDIR)/$(MTCNN_WEIGHTS) FACENAS_DETECT_PHOTOS=$(CURDIR)/$(DETECT_PHOTOS) FACENAS_PYTHON=$(PYTHON) FACENAS_TORCH_PYTHON=/usr/bin/python3 FACENAS_BIN=$(CURDIR)/$(BIN) FACENAS_FMNIST=$(FMNIST) \
	  swift test $(SWIFT_FLAGS) 2>&1 | tee .test.log; exit $${PIPESTATUS[0]}

# The embedded demo pipeline (pipelines/demo.json); rerunning continues where it stopped.
demo: deps build mtcnn-weights
	$(BIN) demo --out runs/demo

bench: build
	$(BIN) bench

# Not part of `make test` (about an hour): two real searches and the macro-vs-start retraining check.
search-smoke: build
	$(call apt_install,dataset-fashion-mnist)
	scripts/search-smoke.sh $(CURDIR)/$(BIN) $(FMNIST) runs/search-smoke

# Not part of `make test` (about 20 minutes on 2 busy cores): the ranking study of issue 21; rerunning resumes.
study-smoke: build
	$(call apt_install,dataset-fashion-mnist)
	scripts/study-smoke.sh $(CURDIR)/$(BIN) $(FMNIST) runs/study-smoke

clean:
	rm -rf .build runs .test.log
