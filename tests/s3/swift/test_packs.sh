#!/bin/sh
# tests/unit/test_packs against a real Swift (s3api) of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" swift tests/s3/packs.sh
