#!/bin/sh
# package.sh - the Debian packages, as "./quickstart check" tries them:
# builds vds and python3-vds with dpkg-buildpackage from a clean copy of
# the source ("make distdir" of the configured tree it runs in), installs
# them with apt-get, smoke-tests the installed program, completions and
# Python module (fsspec and pandas included) on a scratch store, runs
# lintian (errors fail, the rest is printed), and removes them again.
#
#   sh tests/package.sh [build|test] [OUTDIR]      (default: ./build-deb)
#
# "build" only builds the packages into OUTDIR (no package is installed,
# so it can run beside the test suite); "test" installs, smoke-tests,
# lintians and removes what "build" left in OUTDIR; without either, both.
# Needs root (apt-get); without it, it says so and exits 0. The packages
# and the build log stay in OUTDIR.
set -u
phase=all
case ${1:-} in build | test) phase=$1; shift ;; esac
if [ "$(id -u)" -ne 0 ]; then
	[ "$phase" = build ] || echo "==== Debian packages skipped: installing them needs root ===="
	exit 0
fi
out=${1:-$PWD/build-deb}
version=$(sed -n 's/^PACKAGE_VERSION = //p' Makefile)
src=$out/vds-$version
fail() {
	echo "package.sh: $*"
	exit 1
}
export DEBIAN_FRONTEND=noninteractive
if [ "$phase" != test ]; then
	rm -rf "$out"
	mkdir -p "$out"
	make distdir distdir="$src" >/dev/null || fail "make distdir failed"
	apt-get install -y -qq --no-install-recommends dpkg-dev lintian >/dev/null ||
		fail "dpkg-dev and lintian could not be installed"
	apt-get build-dep -y -qq "$src" >/dev/null || fail "the build dependencies could not be installed"
	t0=$(date +%s)
	# (no debug symbol packages, and not the unit tests again: the suite ran them)
	(cd "$src" && DEB_BUILD_OPTIONS="nocheck noddebs ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b \
		-j"$(nproc)") >"$out/build.log" 2>&1 || {
		tail -n 40 "$out/build.log"
		fail "dpkg-buildpackage failed (log: $out/build.log)"
	}
	echo "package.sh: built $(cd "$out" && echo *.deb) in $(($(date +%s) - t0)) s"
	[ "$phase" = all ] || exit 0
fi
ls "$out"/vds_"$version"_*.deb >/dev/null 2>&1 ||
	fail "no package in $out (sh tests/package.sh build first)"
(cd "$out" && apt-get install -y -qq --no-install-recommends ./vds_"$version"_*.deb \
	./python3-vds_"$version"_*.deb python3-fsspec python3-pandas >/dev/null) ||
	fail "apt-get install of the packages failed"

# the installed program, completions, manual pages and module on a scratch store
h=$(mktemp -d)
status=0
smoke() {
	set -e
	export VDS_HOME="$h/home" HOME="$h"
	/usr/bin/vds --version
	ds=$(/usr/bin/vds datasets create --name smoke | sed -n 's/^Created dataset: //p')
	mkdir "$h/src"
	printf 'city,people\nOslo,709000\nLyon,522000\n' >"$h/src/cities.csv"
	ref=$(/usr/bin/vds datasets versions create --id "$ds" --message smoke \
		--source-path "$h/src/" | sed -n 's/^C[a-z]* dataset version: //p' | tail -n 1)
	/usr/bin/vds datasets versions details --id "$ref" | grep -q 'Committed *| true'
	for f in /usr/share/bash-completion/completions/vds /usr/share/zsh/vendor-completions/_vds \
		/usr/share/fish/vendor_completions.d/vds.fish /usr/share/man/man1/vds.1.gz \
		/usr/share/man/man5/vds-format.5.gz /usr/share/man/man7/vds-python.7.gz; do
		test -f "$f" || { echo "missing $f"; return 1; }
	done
	cd "$h" && env -u PYTHONPATH /usr/bin/python3 -c '
import sys, vds, pandas
assert vds.__file__.startswith("/usr/lib/python3/dist-packages/"), vds.__file__
v = vds.open("smoke")
assert v.file_count == 1 and v.read("cities.csv").startswith(b"city,people"), v
df = pandas.read_csv("vds://smoke:latest/cities.csv")
assert list(df["city"]) == ["Oslo", "Lyon"], df
try:
    vds.open("smoke:nosuchtag")
    sys.exit("no error for a missing tag")
except vds.NotFound as e:
    assert e.exit_code == 3, e
print("python3-vds: read", v.ref, "through vds.open and pandas")
'
}
(smoke) >"$out/smoke.log" 2>&1
[ $? = 0 ] || status=1
cat "$out/smoke.log"
rm -rf "$h"
[ "$status" = 0 ] || echo "package.sh: the smoke test of the installed packages failed"

lintian --fail-on error --tag-display-limit 0 "$out"/vds_"$version"_*.changes >"$out/lintian.log" 2>&1 ||
	{ echo "package.sh: lintian found errors"; status=1; }
echo "package.sh: lintian: $(grep -c '^[EW]:' "$out/lintian.log") errors and warnings" \
	"($(grep -c '^E:' "$out/lintian.log") errors)"
cat "$out/lintian.log"
apt-get remove -y -qq vds python3-vds >/dev/null || { echo "package.sh: removal failed"; status=1; }
exit $status
