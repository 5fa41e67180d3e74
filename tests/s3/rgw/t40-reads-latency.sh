#!/bin/sh
# tests/s3/t40-reads-latency.sh against a real radosgw of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" rgw tests/s3/t40-reads-latency.sh
