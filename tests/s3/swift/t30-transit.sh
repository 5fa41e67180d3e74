#!/bin/sh
# tests/s3/t30-transit.sh against a real Swift (s3api, no conditional PUT) of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" swift tests/s3/t30-transit.sh
