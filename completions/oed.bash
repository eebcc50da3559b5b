# bash completion for oed and its tools.  Option words and the values of
# options that take names (estimators, tests, encodings, formats, steps,
# --on-error) come from each tool's --list-options, so completion never
# drifts from the parser.

# Option words: the lines that are not "--NAME=VALUE".
_oed_tool_words()
{
	"$1" --list-options 2>/dev/null | grep -v -e '^--[^=]*=.'
}

# The values of option $2 (-X or --NAME) of tool $1.  A short option is
# listed just before its long name.
_oed_tool_values()
{
	"$1" --list-options 2>/dev/null | awk -v o="$2" '
		/^-[^-]$/ { s = $0; next }
		/^--/ {
			i = index($0, "=")
			if (i == 0 || i == length($0)) {
				if (s != "") long[s] = i ? substr($0, 1, i - 1) : $0
				s = ""
				next
			}
			name = substr($0, 1, i - 1)
			if (name == o || long[o] == name) print substr($0, i + 1)
		}'
}

_oed_tool()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${1:-${COMP_WORDS[0]}}
	local prev= opt= values

	[[ $COMP_CWORD -gt 0 ]] && prev=${COMP_WORDS[COMP_CWORD-1]}
	# --name=value: bash splits at "=" when COMP_WORDBREAKS holds it
	if [[ $cur == = && $prev == -* ]]; then
		opt=$prev cur=
	elif [[ $prev == = && $COMP_CWORD -gt 1 ]]; then
		opt=${COMP_WORDS[COMP_CWORD-2]}
	elif [[ $cur == --*=* ]]; then
		opt=${cur%%=*} cur=${cur#*=}
	elif [[ $prev == -* && $cur != -* ]]; then
		opt=$prev
	fi
	if [[ -n $opt ]]; then
		values=$(_oed_tool_values "$cmd" "$opt")
		if [[ -n $values ]]; then
			# a list such as --normalize trim,space: complete its last item
			local pre=
			[[ $cur == *,* ]] && pre=${cur%,*}, cur=${cur##*,}
			COMPREPLY=($(compgen -P "$pre" -W "$values" -- "$cur"))
			[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace
			return
		fi
	fi
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_oed_tool_words "$cmd")" -- "$cur"))
		[[ ${#COMPREPLY[@]} -eq 1 && ${COMPREPLY[0]} == *= ]] && compopt -o nospace
	else
		compopt -o default
		COMPREPLY=()
	fi
}

_oed()
{
	local cur=${COMP_WORDS[COMP_CWORD]}

	if [[ $COMP_CWORD -eq 1 ]]; then
		COMPREPLY=($(compgen -W "ingest entropy mi drift tokens bench monitor report --help --version" -- "$cur"))
		return
	fi
	_oed_tool "oed-${COMP_WORDS[1]}"
}

complete -F _oed oed
complete -F _oed_tool oed-ingest oed-entropy oed-mi oed-drift oed-tokens oed-bench oed-monitor oed-report
