#!/bin/sh
# tests/s3/t19-s3.sh against a real Swift (s3api, no conditional PUT) of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" swift tests/s3/t19-s3.sh
