#!/bin/sh
# tests/cli/t46-dataset-keys.sh against a real Swift (s3api, no conditional PUT) of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" swift tests/cli/t46-dataset-keys.sh
