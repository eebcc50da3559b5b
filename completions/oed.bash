# bash completion for oed and its tools.  Option words come from each
# tool's --list-options, so completion never drifts from the parser.

_oed_tool_words()
{
	"$1" --list-options 2>/dev/null
}

_oed_tool()
{
	local cur=${COMP_WORDS[COMP_CWORD]} cmd=${1:-${COMP_WORDS[0]}}

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
