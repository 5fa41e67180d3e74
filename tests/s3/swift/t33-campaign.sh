#!/bin/sh
# tests/cli/t33-campaign.sh against a real Swift of its own.
exec sh "$VDS_SRCDIR/tests/s3/run.sh" swift tests/cli/t33-campaign.sh
