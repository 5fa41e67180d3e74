#!/bin/sh
# tests/cli/t46-dataset-keys.sh against a real radosgw of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" rgw tests/cli/t46-dataset-keys.sh
