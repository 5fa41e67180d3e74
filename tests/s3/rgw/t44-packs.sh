#!/bin/sh
# tests/cli/t44-packs.sh against a real radosgw of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" rgw tests/cli/t44-packs.sh
