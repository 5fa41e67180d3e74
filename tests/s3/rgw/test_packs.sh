#!/bin/sh
# tests/unit/test_packs against a real radosgw of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" rgw tests/s3/packs.sh
