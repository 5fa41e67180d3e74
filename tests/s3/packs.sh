#!/bin/sh
# packs.sh - tests/unit/test_packs on the S3 server that
# tests/s3/run.sh started (VDS_TEST_S3_* set): packs, index objects and
# ranged reads through the S3 backend. VDS_UNIT_DIR is where the unit
# test programs are (make check sets it).
exec "${VDS_UNIT_DIR:-tests/unit}/test_packs"
