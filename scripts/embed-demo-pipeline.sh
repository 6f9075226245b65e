#!/bin/sh
# Regenerates Sources/FaceNASCLI/DemoPipeline.swift from pipelines/demo.json (run from the repo root);
# the test suite checks that `facenas demo --print` equals the file byte for byte.
set -e
out=Sources/FaceNASCLI/DemoPipeline.swift
{
  echo '// Generated from pipelines/demo.json by scripts/embed-demo-pipeline.sh; edit the JSON, then rerun the script.'
  echo '/// The demo pipeline compiled into `facenas`, so `facenas demo` needs no file next to the binary.'
  echo 'enum DemoPipeline {'
  echo '    static let source = "pipelines/demo.json (embedded)"'
  echo '    static let json = #"""'
  cat pipelines/demo.json
  echo ''
  echo '"""#'
  echo '}'
} > "$out"
