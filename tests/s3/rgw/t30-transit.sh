#!/bin/sh
# tests/s3/t30-transit.sh against a real radosgw of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" rgw tests/s3/t30-transit.sh
