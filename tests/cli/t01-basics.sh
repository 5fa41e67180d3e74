#!/bin/sh
# t01-basics: global options, help, command groups and option parsing.
. "$VDS_SRCDIR/tests/cli/lib.sh"

# matches TEXT ERE: true if the whole of TEXT matches ERE
matches() { printf '%s\n' "$1" | grep -Eqx "$2"; }

# ---- vds --help, -h, --version ----------------------------------------

usage=$(cat <<'EOF'
Usage: vds [--config FILE] [--debug] [COMMAND] [OPTIONS]

Versioned datasets in the terminal. With no command, vds opens the browser
on the configured stores (creating a small demo dataset when they are empty).

Commands:
  browse [REF]                       Open the terminal browser (at REF)
  datasets list                      List datasets of every storage provider
  datasets details                   Show one dataset
  datasets create                    Create a dataset
  datasets update                    Change a dataset's name or description
  datasets delete                    Delete a dataset with its versions and tags
  datasets versions list             List a dataset's versions, newest first
  datasets versions details          Show one version
  datasets versions create           Create a draft version (and commit files from paths or URLs)
  datasets versions update           Change a draft's message
  datasets versions commit           Commit a draft: its files become immutable
  datasets versions delete           Delete a version
  datasets versions lineage          Show what a version was made from, or what was made from it
  datasets versions diff             Show what changed between two versions (from file lists alone)
  datasets versions verify           Re-read every file of a version and check its SHA-256
  datasets tags list                 List a dataset's tags
  datasets tags set                  Set or move a tag on a committed version
  datasets tags delete               Delete a tag
  datasets files list                List a version's files
  datasets files get                 Download a version's files, verified
  datasets files put                 Add or replace files in a draft
  datasets files delete              Remove files or folders from a draft
  datasets files diff                Compare one file between two versions
  run                                Run a command on datasets: inputs read-only, outputs committed
  storageProviders list              List storage providers
  storageProviders details           Show one storage provider
  storageProviders create local      Add a local-directory storage provider
  storageProviders create s3         Add an S3-compatible storage provider
  storageProviders update local      Change a local provider's store (--packs)
  storageProviders update s3         Change an S3 provider's settings
  storageProviders upgrade           Give a provider's store the features of new stores
  storageProviders delete            Remove a storage provider from the configuration
  cache status                       Show the local cache of remote content
  cache prune                        Remove least recently used cached content
  cache limit                        Set the cache's size limit (applied after downloads)
  fsck                               Check every dataset, version, tag and draft of a store
  gc                                 Delete content that no version or draft references
  mount                              Mount a committed version read-only at a folder
  umount                             Unmount a mounted version

References: DATASET, DATASET:latest, DATASET:VERSION, DATASET:TAG.
Run 'vds COMMAND --help' for a command's options; see vds(1).
EOF
)
run vds --help
expect "--help prints the usage" 0 "$usage" ""
run vds -h
expect "-h prints the usage" 0 "$usage" ""
check "--help writes no configuration" test ! -e "$VDS_HOME/config.json"

version=$(sed -n 's/^AC_INIT(\[vds\], \[\([^]]*\)\].*/\1/p' "$VDS_SRCDIR/configure.ac")
is "the version is found in configure.ac" "$version" "0.1.0"
run vds --version
expect "--version" 0 "vds $version" ""

# ---- CMD --help --------------------------------------------------------

run vds datasets list --help
expect "datasets list --help" 0 "$(cat <<'EOF'
Usage: vds datasets list [--json]

List datasets of every storage provider

Options:
  --json                       print JSON
EOF
)" ""

run vds datasets create --help
expect "datasets create --help" 0 "$(cat <<'EOF'
Usage: vds datasets create --name NAME [--storageProviderId SP] [--description TEXT]

Create a dataset

Options:
  --name NAME                  dataset name
  --storageProviderId SP       storage provider (default: the default one)
  --description TEXT           description
EOF
)" ""

details_help=$(cat <<'EOF'
Usage: vds datasets details --id DS [--json]

Show one dataset

Options:
  --id DS                      dataset id (or unique name)
  --json                       print JSON
EOF
)
run vds datasets details --help
expect "datasets details --help" 0 "$details_help" ""
run vds datasets details --id nosuch --help
expect "--help after other options still prints the help" 0 "$details_help" ""

run vds datasets versions list --help
expect "datasets versions list --help" 0 "$(cat <<'EOF'
Usage: vds datasets versions list --id DS [--isCommitted true|false] [--json]

List a dataset's versions, newest first

Options:
  --id DS                      dataset id
  --isCommitted true|false     only committed versions, or only drafts
  --json                       print JSON
EOF
)" ""

run vds datasets versions create --help
expect "datasets versions create --help (repeatable option)" 0 "$(cat <<'EOF'
Usage: vds datasets versions create --id DS [--message TEXT] [--source-path PATH]... [--source-url URL]... [--extract] [--sha256 HEX]... [--storageProviderId SP] [--concurrency N]

Create a draft version (and commit files from paths or URLs)

Options:
  --id DS                      dataset id
  --message TEXT               version message
  --source-path PATH           put these files and commit ('dir/' puts its contents)
  --source-url URL             download http(s):// or s3://BUCKET/PREFIX/ too
  --extract                    unpack downloaded tar and zip archives
  --sha256 HEX                 SHA-256 each download must have (one per URL)
  --storageProviderId SP       reach s3:// URLs with this provider's keys
  --concurrency N              parallel file workers
EOF
)" ""

run vds datasets versions delete --help
expect "datasets versions delete --help (flag option)" 0 "$(cat <<'EOF'
Usage: vds datasets versions delete --id DS:VER [--force]

Delete a version

Options:
  --id DS:VER                  version
  --force                      delete a committed version even if tags point at it
EOF
)" ""

run vds datasets tags set --help
expect "datasets tags set --help" 0 "$(cat <<'EOF'
Usage: vds datasets tags set --id DS:VER --name TAG

Set or move a tag on a committed version

Options:
  --id DS:VER                  committed version to tag
  --name TAG                   tag name (moved if it exists)
EOF
)" ""

# 'files put' takes its files from --source-path or --source-url (one of
# them at least: see the usage error test)
run vds datasets files put --help
expect "datasets files put --help (paths or URLs)" 0 "$(cat <<'EOF'
Usage: vds datasets files put --id DS:VER [--source-path PATH]... [--source-url URL]... [--extract] [--sha256 HEX]... [--storageProviderId SP] [--target-path P] [--concurrency N]

Add or replace files in a draft

Options:
  --id DS:VER                  draft version
  --source-path PATH           local file or folder ('dir/' puts its contents)
  --source-url URL             download http(s):// or s3://BUCKET/PREFIX/ too
  --extract                    unpack downloaded tar and zip archives
  --sha256 HEX                 SHA-256 each download must have (one per URL)
  --storageProviderId SP       reach s3:// URLs with this provider's keys
  --target-path P              folder in the version (default: the root)
  --concurrency N              parallel file workers
EOF
)" ""

run vds storageProviders create local --help
expect "storageProviders create local --help" 0 "$(cat <<'EOF'
Usage: vds storageProviders create local --name NAME --path DIR [--packs true|false]

Add a local-directory storage provider

Options:
  --name NAME                  provider name
  --path DIR                   directory of the store (created if missing)
  --packs true|false           keep new content in packs (true: for good)
EOF
)" ""

# ---- command groups ----------------------------------------------------

datasets_group=$(cat <<'EOF'
Usage: vds datasets COMMAND [OPTIONS]

Commands:
  datasets list                      List datasets of every storage provider
  datasets details                   Show one dataset
  datasets create                    Create a dataset
  datasets update                    Change a dataset's name or description
  datasets delete                    Delete a dataset with its versions and tags
  datasets versions list             List a dataset's versions, newest first
  datasets versions details          Show one version
  datasets versions create           Create a draft version (and commit files from paths or URLs)
  datasets versions update           Change a draft's message
  datasets versions commit           Commit a draft: its files become immutable
  datasets versions delete           Delete a version
  datasets versions lineage          Show what a version was made from, or what was made from it
  datasets versions diff             Show what changed between two versions (from file lists alone)
  datasets versions verify           Re-read every file of a version and check its SHA-256
  datasets tags list                 List a dataset's tags
  datasets tags set                  Set or move a tag on a committed version
  datasets tags delete               Delete a tag
  datasets files list                List a version's files
  datasets files get                 Download a version's files, verified
  datasets files put                 Add or replace files in a draft
  datasets files delete              Remove files or folders from a draft
  datasets files diff                Compare one file between two versions
EOF
)
run vds datasets
expect "'vds datasets' alone lists the group on stderr and exits 2" 2 "" "$datasets_group"
run vds datasets --help
expect "'vds datasets --help' lists the group and exits 0" 0 "$datasets_group" ""

versions_group=$(cat <<'EOF'
Usage: vds datasets versions COMMAND [OPTIONS]

Commands:
  datasets versions list             List a dataset's versions, newest first
  datasets versions details          Show one version
  datasets versions create           Create a draft version (and commit files from paths or URLs)
  datasets versions update           Change a draft's message
  datasets versions commit           Commit a draft: its files become immutable
  datasets versions delete           Delete a version
  datasets versions lineage          Show what a version was made from, or what was made from it
  datasets versions diff             Show what changed between two versions (from file lists alone)
  datasets versions verify           Re-read every file of a version and check its SHA-256
EOF
)
run vds datasets versions
expect "'vds datasets versions' lists its commands on stderr, exit 2" 2 "" "$versions_group"
run vds datasets versions --help
expect "'vds datasets versions --help' exits 0" 0 "$versions_group" ""

run vds storageProviders
expect "'vds storageProviders' lists its commands on stderr, exit 2" 2 "" "$(cat <<'EOF'
Usage: vds storageProviders COMMAND [OPTIONS]

Commands:
  storageProviders list              List storage providers
  storageProviders details           Show one storage provider
  storageProviders create local      Add a local-directory storage provider
  storageProviders create s3         Add an S3-compatible storage provider
  storageProviders update local      Change a local provider's store (--packs)
  storageProviders update s3         Change an S3 provider's settings
  storageProviders upgrade           Give a provider's store the features of new stores
  storageProviders delete            Remove a storage provider from the configuration
EOF
)"

run vds storageProviders create
expect "'vds storageProviders create' lists 'create local' and 'create s3' on stderr, exit 2" 2 "" "$(cat <<'EOF'
Usage: vds storageProviders create COMMAND [OPTIONS]

Commands:
  storageProviders create local      Add a local-directory storage provider
  storageProviders create s3         Add an S3-compatible storage provider
EOF
)"

# ---- unknown commands and options --------------------------------------

run vds bogus
expect "unknown command" 2 "" "vds: unknown command 'bogus' (see 'vds --help')"

# the error must name the word that is wrong, not the valid group before it
run vds datasets bogus
expect "unknown subcommand exits 2, prints nothing on stdout" 2 ""
check "unknown subcommand: the message names 'bogus'" grep -q "bogus" "$T/err"

run vds --bogus
expect "unknown global option" 2 "" "vds: unknown option '--bogus' (see 'vds --help')"
run vds -x datasets list
expect "unknown short global option" 2 "" "vds: unknown option '-x' (see 'vds --help')"
run vds datasets list --bogus
expect "unknown command option" 2 "" \
	"vds: unknown option '--bogus' for 'vds datasets list' (see 'vds datasets list --help')"
run vds datasets list --bogus=1
expect "unknown command option with =value" 2 "" \
	"vds: unknown option '--bogus=1' for 'vds datasets list' (see 'vds datasets list --help')"
run vds datasets list extra
expect "stray argument" 2 "" "vds: unexpected argument 'extra' for 'vds datasets list'"
run vds datasets list -j
expect "single-dash argument" 2 "" "vds: unexpected argument '-j' for 'vds datasets list'"

# ---- required options and values ---------------------------------------

run vds datasets details
expect "missing required option" 2 "" "vds: missing option '--id' for 'vds datasets details'"
run vds datasets versions update --id x
expect "missing second required option" 2 "" \
	"vds: missing option '--message' for 'vds datasets versions update'"
run vds datasets details --id
expect "option without its value" 2 "" "vds: option '--id' needs a value"
run vds datasets files put --id x
expect "files put without --source-path" 2 "" \
	"vds: missing option '--source-path' (or '--source-url') for 'vds datasets files put'"
run vds datasets files delete --id x
expect "files delete without --path" 2 "" \
	"vds: missing option '--path' for 'vds datasets files delete'"

# ---- --flag value and --flag=value -------------------------------------

sp=$(vds storageProviders list | sed -n 's/^| local | \(sp[0-9a-z]*\) .*/\1/p')
check "the default provider id has the form sp + 13 base36" matches "$sp" 'sp[0-9a-z]{13}'

run vds datasets create --name=eq-form --description=desc
ds1=$(sed -n 's/^Created dataset: //p' "$T/out")
expect "--name=value creates" 0 "Created dataset: $ds1" ""
check "create printed a dataset id" matches "$ds1" 'ds[0-9a-z]{13}'
run vds datasets create --name space-form --description desc
ds2=$(sed -n 's/^Created dataset: //p' "$T/out")
expect "--name value creates" 0 "Created dataset: $ds2" ""
check "create printed another dataset id" matches "$ds2" 'ds[0-9a-z]{13}'

run vds datasets details --id="$ds1" --json
eq_json=$(cat "$T/out")
run vds datasets details --id "$ds1" --json
expect "--id=value and --id value give the same answer" 0 "$eq_json" ""
run vds datasets details --id=eq-form --json
expect "--id=NAME works like --id NAME" 0 "$eq_json" ""
check "the JSON names the dataset eq-form" grep -q '"name":	"eq-form"' "$T/out"
run vds datasets update --id "$ds2" --description="a=b=c"
expect "a value may contain '='" 0 "Updated dataset: $ds2" ""
run vds datasets details --id "$ds2" --json
check "the value after the first '=' is kept whole" grep -q '"description":	"a=b=c"' "$T/out"
run vds datasets update --id "$ds2" --description --json
expect "a separate value may not start with '--'" 2 "" \
	"vds: option '--description' needs a value"
run vds datasets update --id "$ds2" --description=--json
expect "--opt=--value passes a value that starts with '--'" 0 "Updated dataset: $ds2" ""
run vds datasets details --id "$ds2" --json
check "description is '--json'" grep -q '"description":	"--json"' "$T/out"

# ---- options given twice, flags with values, true|false -----------------

run vds datasets create --name a --name b
expect "option given twice" 2 "" "vds: option '--name' given more than once"
run vds datasets create --name=a --name=b
expect "option given twice with =" 2 "" "vds: option '--name' given more than once"
run vds datasets list
expect "nothing was created by the refused commands" 0 "$(cat <<EOF
+------------+-----------------+------------------+
| Name       | ID              | Storage Provider |
+------------+-----------------+------------------+
| eq-form    | $ds1 | $sp  |
| space-form | $ds2 | $sp  |
+------------+-----------------+------------------+
EOF
)" ""

run vds datasets list --json=true
expect "flag option with a value" 2 "" "vds: option '--json' takes no value"
run vds datasets list --json=
expect "flag option with an empty value" 2 "" "vds: option '--json' takes no value"

run vds datasets versions list --id "$ds1" --isCommitted maybe
expect "--isCommitted with a bad value" 2 "" \
	"vds: option '--isCommitted' takes true or false, not 'maybe'"
run vds datasets versions list --id "$ds1" --isCommitted=TRUE
expect "--isCommitted is case sensitive" 2 "" \
	"vds: option '--isCommitted' takes true or false, not 'TRUE'"
run vds datasets versions list --id "$ds1" --isCommitted=
expect "--isCommitted with an empty value" 2 "" \
	"vds: option '--isCommitted' takes true or false, not ''"
run vds datasets versions list --id "$ds1" --isCommitted
expect "--isCommitted without a value" 2 "" "vds: option '--isCommitted' needs a value"
run vds datasets versions list --id "$ds1" --isCommitted true --isCommitted false
expect "--isCommitted given twice" 2 "" "vds: option '--isCommitted' given more than once"
empty_versions=$(cat <<'EOF'
+----+-------+-------+------+---------+------+
| ID | State | Files | Size | Message | Tags |
+----+-------+-------+------+---------+------+
+----+-------+-------+------+---------+------+
EOF
)
run vds datasets versions list --id "$ds1" --isCommitted=true
expect "--isCommitted=true is accepted" 0 "$empty_versions" ""
run vds datasets versions list --id "$ds1" --isCommitted false
expect "--isCommitted false is accepted" 0 "$empty_versions" ""

run vds datasets versions create --id "$ds1" --concurrency 0
expect "--concurrency 0 refused" 2 "" "vds: --concurrency takes a number from 1 to 64, not '0'"
run vds datasets versions create --id "$ds1" --concurrency 65
expect "--concurrency 65 refused" 2 "" "vds: --concurrency takes a number from 1 to 64, not '65'"
run vds datasets versions create --id "$ds1" --concurrency 2x
expect "--concurrency 2x refused" 2 "" "vds: --concurrency takes a number from 1 to 64, not '2x'"
run vds datasets versions list --id "$ds1"
expect "a refused --concurrency created no version" 0 "$empty_versions" ""

# ---- --config FILE -------------------------------------------------------

run vds --config "$T/other/config.json" storageProviders list
sp_other=$(sed -n 's/^| local | \(sp[0-9a-z]*\) .*/\1/p' "$T/out")
store=$VDS_HOME/store
rule=$(printf '%s' "$store" | sed 's/./-/g')
expect "--config FILE creates a new configuration" 0 "$(cat <<EOF
+-------+-----------------+-------+-$rule-+
| Name  | ID              | Type  | $(printf '%-*s' ${#store} Path) |
+-------+-----------------+-------+-$rule-+
| local | $sp_other | local | $store |
+-------+-----------------+-------+-$rule-+
EOF
)" ""
check "--config FILE writes that file" test -s "$T/other/config.json"
check "the other configuration has its own provider id" test "$sp_other" != "$sp"
run vds --config="$T/other/config.json" storageProviders details --id "$sp_other" --json
expect "--config=FILE reads the same file" 0 "$(printf '{\n\t"id":\t"%s",\n\t"name":\t"local",\n\t"type":\t"local",\n\t"path":\t"%s",\n\t"isDefault":\ttrue\n}' "$sp_other" "$VDS_HOME/store")" ""
run vds storageProviders details --id "$sp_other"
expect "without --config the default configuration is used" 3 "" \
	"vds: no such storage provider '$sp_other'"
run vds --config
expect "--config without a file" 2 ""

done_testing
