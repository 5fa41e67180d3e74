#!/bin/sh
# t36-completions.sh - the bash, zsh and fish completions against the command
# and option tables the help is made from ("vds __complete tables"): the zsh
# and fish files are what share/completions/generate.sh writes from them,
# every command and option is offered by each shell, and references
# complete from the store without ever creating one.
. "$VDS_SRCDIR/tests/cli/lib.sh"
C=$VDS_SRCDIR/share/completions

# the completions call "vds" from $PATH
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$VDS_BIN" >"$T/bin/vds"
chmod +x "$T/bin/vds"
run vds __complete tables
expect "__complete tables: exit 0" 0 "$(cat "$T/out")" ""
cp "$T/out" "$T/tables"
# the commands of "vds --help" (browse [REF] is one)
"$VDS_BIN" --help | sed -n 's/^  \([a-z][a-zA-Z0-9 ]*[a-zA-Z0-9]\)\( \[REF\]\)\{0,1\}  .*/\1/p' | sort >"$T/help.cmds"
awk -F '\t' '$1 == "command" { print $2 }' "$T/tables" | sort >"$T/tables.cmds"
run diff "$T/help.cmds" "$T/tables.cmds"
expect "tables: every command of the help" 0 ""
# option NAME per command, from the tables: "PATH<TAB>--opt"
awk -F '\t' '$1 == "option" && $3 ~ /^--/ { print $2 "\t" $3 }' "$T/tables" | sort >"$T/opts"
awk -F '\t' '$1 == "command" { print $2 }' "$T/tables" >"$T/cmds"
check "tables: options of datasets files put" sh -c \
	'grep -c "^datasets files put	" "$1" | grep -qx 8' sh "$T/opts"

for sh in zsh fish; do
	f=$([ $sh = zsh ] && echo _vds || echo vds.fish)
	sh "$C/generate.sh" $sh <"$T/tables" >"$T/$f"
	if cmp -s "$T/$f" "$C/$f"; then ok "$sh: share/completions/$f is up to date"; else
		not_ok "$sh: share/completions/$f is up to date (make completions)"
		diag "$(diff "$C/$f" "$T/$f" | head -n 20)"
	fi
done

# bash: the hand-written tables of share/completions/vds hold the same commands and options
if command -v bash >/dev/null; then
	bash -c '
		. "$1"
		while read -r p; do
			for o in $(_vds_options "$p"); do printf "%s\t%s\n" "$p" "$o"; done
		done <"$2" | sort >"$3.bash"
		# every group word lists its children
		while read -r p; do
			parent=${p% *}; [ "$parent" = "$p" ] && parent=
			case " $(_vds_subcommands "$parent") " in *" ${p##* } "*) ;; *) echo "missing $p";; esac
		done <"$2" >"$3.bashsubs"' bash "$C/vds" "$T/cmds" "$T/opts"
	run diff "$T/opts" "$T/opts.bash"
	expect "bash: every option of every command" 0 ""
	run cat "$T/opts.bashsubs"
	expect "bash: every command word" 0 ""
else
	ok "# SKIP bash is not installed"; ok "# SKIP bash is not installed"
fi

# zsh: each command's case holds each of its options
awk -F '\t' '
	FNR == NR { want[$1] = want[$1] " " $2; next }
	/^  "[^"]*"\)$/ { p = substr($0, 4, length($0) - 5); next }
	/^      '\''\*?--/ { o = $0; sub(/^      '\''\*?/, "", o); sub(/[=[].*/, "", o); got[p] = got[p] " " o }
	END { for (p in want) { n = split(want[p], w, " ")
		for (i = 1; i <= n; i++) if (index(got[p] " ", " " w[i] " ") == 0) print p ": " w[i] } }
' "$T/opts" "$C/_vds" >"$T/zsh.missing"
run cat "$T/zsh.missing"
expect "zsh: every option of every command" 0 ""

# fish: asked as a person's Tab would ask it
if command -v fish >/dev/null; then
	while read -r p; do
		PATH="$T/bin:$PATH" fish -c "source '$C/vds.fish'; complete -C'vds $p --'" |
			cut -f1 | grep -v '^--help$' | sed "s|^|$p	|"
	done <"$T/cmds" | sort >"$T/opts.fish"
	run diff "$T/opts" "$T/opts.fish"
	expect "fish: every option of every command" 0 ""
	run env PATH="$T/bin:$PATH" fish -c "source '$C/vds.fish'; complete -C'vds datasets versions ' | cut -f1"
	expect "fish: the words of datasets versions" 0 "$(printf '%s\n' commit create delete \
		details diff lineage list update verify)" ""
	run env PATH="$T/bin:$PATH" fish -c "source '$C/vds.fish'; complete -C'vds run --message m -- ech' | cut -f1 | grep -x echo; complete -C'vds run -- echo --mes'"
	expect "fish: after run's --, the command's own completion, not vds's options" 0 "echo" ""
else
	ok "# SKIP fish is not installed"; ok "# SKIP fish is not installed"
	ok "# SKIP fish is not installed"
fi

# references: from an existing store only
run vds __complete refs ''
expect "refs: no configuration, nothing offered" 0 "" ""
check "refs: and no store created" test ! -e "$VDS_HOME"
ds=$(new_dataset "pets")
v1=$(new_version "$ds" --message one | cut -d: -f2)
vds datasets versions commit --id "$ds:$v1" >/dev/null
# "Good": version ids are lower-case, so no id shares the tag's prefix
vds datasets tags set --id "$ds:$v1" --name Good >/dev/null
run vds __complete refs p
expect "refs: a dataset by name and id" 0 "pets
$ds" ""
run vds __complete refs pets:
expect "refs: latest, versions, tags" 0 "pets:latest
pets:$v1
pets:Good" ""
run vds __complete providers
expect "providers: the ids" 0 "$(vds storageProviders list --json | sed -n 's/^[[:space:]]*"id":[[:space:]]*"\(.*\)",*$/\1/p')" ""
run vds __complete refs
expect "usage: one line, exit 2" 2 "" "vds: usage: vds __complete tables|providers|refs WORD"
# bash: COMP_WORDS as readline splits them (COMP_WORDBREAKS holds = and :)
if command -v bash >/dev/null; then
	cat >"$T/bashcomp" <<'EOS'
. "$1"
t() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _vds; printf '%s\n' "${COMPREPLY[@]}"; }
t vds mount --id pe
t vds datasets versions details --id pets :
t vds datasets tags list --id = pets : G
EOS
	run env PATH="$T/bin:$PATH" bash "$T/bashcomp" "$C/vds"
	expect "bash: a dataset, then its versions and tags, also after --id=" 0 "pets
latest
$v1
Good
Good" ""
else
	ok "# SKIP bash is not installed"
fi
if command -v fish >/dev/null; then
	run env PATH="$T/bin:$PATH" fish -c "source '$C/vds.fish'; complete -C'vds mount --id pets:G'"
	expect "fish: a tag completes from the store" 0 "pets:Good	committed version: DS, DS:latest, DS:VERSION or DS:TAG" ""
else
	ok "# SKIP fish is not installed"
fi
done_testing
