#!/bin/sh
# t35-python.sh - the Python module (tests/python/test_vds.py, unittest)
# against the default store, local or S3: this script damages two content
# objects for it, then runs it with the module built in python/lib.
. "$VDS_SRCDIR/tests/cli/lib.sh"

if [ -z "${VDS_PYTHON_LIB:-}" ] || [ ! -d "$VDS_PYTHON_LIB/vds" ]; then
	echo "1..0 # SKIP the Python module is not built (no python3-dev, or --disable-python)"
	exit 0
fi

# damaged: a small file (checked when opened) and one of 9 MiB (checked as read)
ds=$(new_dataset damaged)
mkdir -p "$T/dmg"
head -c 4096 /dev/urandom >"$T/dmg/small.bin"
head -c $((9 * 1024 * 1024)) /dev/urandom >"$T/dmg/large.bin"
ref=$(new_version "$ds" --message damaged)
vds datasets files put --id "$ref" --source-path "$T/dmg/" >/dev/null
vds datasets versions commit --id "$ref" >/dev/null
for f in small large; do
	sha=$(sha256sum "$T/dmg/$f.bin" | cut -c1-64)
	# the same size, one byte changed in the middle
	size=$(wc -c <"$T/dmg/$f.bin")
	{ head -c $((size / 2)) "$T/dmg/$f.bin"; printf 'X'
	  tail -c $((size - size / 2 - 1)) "$T/dmg/$f.bin"; } >"$T/dmg/$f.bad"
	cmp -s "$T/dmg/$f.bin" "$T/dmg/$f.bad" && printf 'Y' | dd of="$T/dmg/$f.bad" bs=1 \
		seek=$((size / 2)) conv=notrunc 2>/dev/null
	store_put "$(object_key "$sha")" "$T/dmg/$f.bad"
done
rm -rf "$VDS_HOME/cache"

export DAMAGED_SMALL="$ref small.bin" DAMAGED_LARGE="$ref large.bin" TEST_DIR="$T"
PYTHONPATH="$VDS_PYTHON_LIB" PYTHONDONTWRITEBYTECODE=1 \
	timeout "$TEST_TIMEOUT" "${VDS_PYTHON:-python3}" "$VDS_SRCDIR/tests/python/test_vds.py"
